"""What the staff desk shows and does, with no web in sight.

The one rule under everything here: a keyworker sees only the young people assigned
to them *now*. ``person_for`` is the single gate; anything else is refused (and the
refusal audited) so the web can answer 404 without saying whether the id exists.
Every view of a young person's data is audited: who, when, what, from where.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import cast
from zoneinfo import ZoneInfo

from babel import Locale
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import _, clock_time, current_locale
from domain import staff_words
from domain.staff import can_keywork, keyworker_of
from domain.staff_accounts import needs_keyworker
from storage.models import (
    Alert,
    Change,
    CheckIn,
    DataKey,
    ListenedAnswer,
    Service,
    Staff,
    StaffReply,
    YoungPerson,
)
from storage.repositories import audit, young_people_of_keyworker
from storage.vault import KeyErased, Vault
from safeguarding.alerts import recipients
from domain.handover import assignment_history
from domain.nicknames import nickname_of, preload_keys

# Whose home page is "My young people" (placement staff have one too, empty until
# booklets arrive); who may key-work is ``domain.staff.KEYWORKING_ROLES``.
DESK_ROLES = ("keyworker", "placement")
PAGE_SIZE = 20
REPLY_LIMIT = 500


@lru_cache(maxsize=32)
def _day_and_month_names(locale: str) -> tuple[dict[int, str], dict[int, str]]:
    names = Locale.parse(locale)
    return (dict(names.days["format"]["abbreviated"]),
            dict(names.months["format"]["abbreviated"]))


def when_text(at: datetime, tz: ZoneInfo) -> str:
    """A time as the service's staff read it, in the service's timezone ("Mon 23 Nov,
    10:00"). Names from the locale's data, looked up once: a page lists many times and
    Babel's general formatter costs more than the rest of the row."""
    local = at.astimezone(tz)
    days, months = _day_and_month_names(current_locale())
    return (f"{days[local.weekday()]} {local.day} {months[local.month]}, "
            f"{clock_time(local.hour, local.minute)}")


async def service_timezone(session: AsyncSession, staff: Staff) -> ZoneInfo:
    service = await session.get(Service, staff.service_id)
    return ZoneInfo(service.timezone if service else "Europe/London")


def _short(value: str | None) -> str | None:
    return value[:32] if value else None


async def person_for(
    session: AsyncSession, staff: Staff, person_id: str, *, what: str, source: str | None,
    now: datetime,
) -> YoungPerson | None:
    """The young person, when this staff member key-works them now
    (``domain.staff.keyworker_of``, the one rule); else None, audited.

    The view itself is audited too, so every look at a young person leaves a row."""
    person = await keyworker_of(session, staff, person_id)
    # Loading the key here also keeps it at hand for every decryption that follows;
    # a young person whose key was erased has nothing left to show.
    if person is None or await session.get(DataKey, person.id) is None:
        asked = (await session.get(YoungPerson, person_id)
                 if person is None and 0 < len(person_id) <= 32 else person)
        audit(session, at=now, actor_kind="staff", actor_id=staff.id, action="desk.refused",
              young_person_id=asked.id if asked else None,
              detail=f"{what} id={_short(person_id)} from={source}")
        return None
    audit(session, at=now, actor_kind="staff", actor_id=staff.id, action="desk.viewed",
          young_person_id=person.id, detail=f"{what} from={source}")
    return person


# -- My young people ---------------------------------------------------------------------


@dataclass
class PersonRow:
    id: str
    nickname: str
    cards: list[str] = field(default_factory=list)
    amount: str | None = None
    latest_at: datetime | None = None
    latest_when: str | None = None
    not_seen: int = 0
    open_alerts: int = 0


async def my_young_people(
    session: AsyncSession, vault: Vault, staff: Staff, tz: ZoneInfo, *, source: str | None,
    now: datetime,
) -> list[PersonRow]:
    if not can_keywork(staff):
        return []
    people = await young_people_of_keyworker(session, staff.id)
    ids = [p.id for p in people]
    unseen = dict((await session.execute(
        select(CheckIn.young_person_id, func.count()).where(
            CheckIn.young_person_id.in_(ids), CheckIn.acknowledged_at.is_(None))
        .group_by(CheckIn.young_person_id))).all()) if ids else {}
    alerts = dict((await session.execute(
        select(Alert.young_person_id, func.count()).where(
            Alert.young_person_id.in_(ids), Alert.status == "open")
        .group_by(Alert.young_person_id))).all()) if ids else {}
    await preload_keys(session, ids)
    latest_at = (select(CheckIn.young_person_id, func.max(CheckIn.created_at).label("at"))
                 .where(CheckIn.young_person_id.in_(ids))
                 .group_by(CheckIn.young_person_id).subquery())
    latest = {row.young_person_id: row for row in (await session.scalars(
        select(CheckIn).join(latest_at, (CheckIn.young_person_id == latest_at.c.young_person_id)
                             & (CheckIn.created_at == latest_at.c.at)))).all()} if ids else {}
    rows: list[PersonRow] = []
    for person in people:
        nickname = await nickname_of(session, vault, person)
        if nickname is None:
            continue  # erased: nothing left to show
        row = PersonRow(person.id, nickname, not_seen=unseen.get(person.id, 0),
                        open_alerts=alerts.get(person.id, 0))
        last = latest.get(person.id)
        if last is not None:
            payload = await vault.open(session, person.id, "checkins", last.id, last.payload_ct)
            row.cards, row.amount = list(payload["cards"]), payload["amount"]
            row.latest_at, row.latest_when = last.created_at, when_text(last.created_at, tz)
        rows.append(row)
    rows.sort(key=lambda r: (r.open_alerts == 0, -(r.latest_at.timestamp() if r.latest_at else 0)))
    audit(session, at=now, actor_kind="staff", actor_id=staff.id, action="desk.list_viewed",
          detail=f"people={len(rows)} from={source}")
    return rows


# -- alerts on every desk of the service --------------------------------------------------


@dataclass
class AlertRow:
    id: str
    nickname: str
    when: str
    iso: str


async def open_alerts(session: AsyncSession, vault: Vault, staff: Staff,
                      tz: ZoneInfo) -> list[AlertRow]:
    """Alerts nobody has taken yet, for the top of every signed-in desk of the service.
    Only who and when: what fired it is on the alert's own page."""
    rows = (await session.scalars(
        select(Alert).where(Alert.service_id == staff.service_id, Alert.status == "open")
        .order_by(Alert.created_at))).all()
    out = []
    for alert in rows:
        person = await session.get(YoungPerson, alert.young_person_id)
        nickname = (await nickname_of(session, vault, person) if person else None) or "?"
        out.append(AlertRow(alert.id, nickname, when_text(alert.created_at, tz),
                            alert.created_at.isoformat()))
    return out


@dataclass
class AlertView:
    alert: Alert
    nickname: str
    person_id: str
    when: str
    detail: dict | None  # cards and words; None for those who may not read them
    taken_by: str | None
    taken_when: str | None
    is_keyworker: bool = False


async def alert_for(
    session: AsyncSession, vault: Vault, staff: Staff, alert_id: str, tz: ZoneInfo, *,
    source: str | None, now: datetime,
) -> AlertView | None:
    """One alert of the staff member's own service. Its cards and words are shown to
    those the alert is for (keyworker, on-call staff, leads), never to admins."""

    alert = await session.get(Alert, alert_id) if len(alert_id) <= 32 else None
    # A commissioner sees totals only: never an alert, a name or a word.
    if (alert is None or alert.service_id != staff.service_id or not staff.active
            or staff.role == "commissioner"):
        audit(session, at=now, actor_kind="staff", actor_id=staff.id, action="desk.refused",
              young_person_id=alert.young_person_id if alert else None,
              detail=f"alert id={_short(alert_id)} from={source}")
        return None
    person = await session.get(YoungPerson, alert.young_person_id)
    if person is None:
        return None
    reads = staff.role != "admin" and (
        person.keyworker_id == staff.id or staff.on_call or staff.role == "lead"
        or any(s.id == staff.id for s in await recipients(session, alert.id)))
    detail = None
    if reads:
        try:
            detail = await vault.open(session, person.id, "alerts", alert.id, alert.detail_ct)
        except KeyErased:
            detail = None
    holder = await session.get(Staff, alert.taken_by) if alert.taken_by else None
    audit(session, at=now, actor_kind="staff", actor_id=staff.id, action="desk.alert_viewed",
          young_person_id=person.id, detail=f"{alert.id} words={'yes' if detail else 'no'} "
          f"from={source}")
    return AlertView(alert, await nickname_of(session, vault, person) or "?", person.id,
                     when_text(alert.created_at, tz), detail,
                     holder.name if holder else None,
                     when_text(alert.taken_at, tz) if alert.taken_at else None,
                     can_keywork(staff) and person.keyworker_id == staff.id)


# -- a young person's timeline -------------------------------------------------------------


@dataclass
class Entry:
    kind: str  # checkin | listened | alert | reply
    at: datetime
    when: str
    data: dict = field(default_factory=dict)


async def timeline(
    session: AsyncSession, vault: Vault, person: YoungPerson, tz: ZoneInfo, page: int,
) -> tuple[list[Entry], bool]:
    """Newest first, ``PAGE_SIZE`` a page; and whether there is an older page."""
    page = max(0, min(page, 10_000))
    take = (page + 1) * PAGE_SIZE + 1
    entries: list[Entry] = []
    staff_names: dict[str, str] = {}

    async def name(staff_id: str | None) -> str | None:
        if not staff_id:
            return None
        if staff_id not in staff_names:
            member = await session.get(Staff, staff_id)
            staff_names[staff_id] = member.name if member else "?"
        return staff_names[staff_id]

    for row in (await session.scalars(
            select(CheckIn).where(CheckIn.young_person_id == person.id)
            .order_by(CheckIn.created_at.desc()).limit(take))).all():
        payload = await vault.open(session, person.id, "checkins", row.id, row.payload_ct)
        entries.append(Entry("checkin", row.created_at, when_text(row.created_at, tz), {
            "id": row.id, "cards": payload["cards"], "amount": payload["amount"],
            "help": payload["help"], "words": payload.get("words"), "channel": row.channel,
            "seen_by": await name(row.acknowledged_by),
            "seen_when": when_text(row.acknowledged_at, tz) if row.acknowledged_at else None,
        }))
    for answer_row in (await session.scalars(
            select(ListenedAnswer).where(ListenedAnswer.young_person_id == person.id)
            .order_by(ListenedAnswer.created_at.desc()).limit(take))).all():
        payload = await vault.open(session, person.id, "listened_answers", answer_row.id, answer_row.payload_ct)
        entries.append(Entry("listened", answer_row.created_at, when_text(answer_row.created_at, tz), payload))
    for alert_row in (await session.scalars(
            select(Alert).where(Alert.young_person_id == person.id)
            .order_by(Alert.created_at.desc()).limit(take))).all():
        entries.append(Entry("alert", alert_row.created_at, when_text(alert_row.created_at, tz), {
            "id": alert_row.id, "status": alert_row.status, "taken_by": await name(alert_row.taken_by),
            "taken_when": when_text(alert_row.taken_at, tz) if alert_row.taken_at else None,
        }))
    # What staff wrote to them: replies, and what changed because of a check-in.
    for model, kind in ((StaffReply, "reply"), (Change, "change")):
        written = cast(Sequence[StaffReply | Change], (await session.scalars(
            select(model).where(model.young_person_id == person.id)
            .order_by(model.created_at.desc()).limit(take))).all())
        for words in written:
            text = await vault.open(session, person.id, model.__tablename__, words.id,
                                    words.body_ct)
            entries.append(Entry(kind, words.created_at, when_text(words.created_at, tz), {
                "text": text, "by": await name(words.staff_id), "checkin_id": words.checkin_id}))
    # At the same moment, what follows from a thing comes above it (an alert above
    # its check-in, a reply above both, what changed above all).
    order = {"checkin": 0, "listened": 1, "alert": 2, "reply": 3, "change": 4}
    entries.sort(key=lambda e: (e.at, order[e.kind]), reverse=True)
    start = page * PAGE_SIZE
    return entries[start:start + PAGE_SIZE], len(entries) > start + PAGE_SIZE


@dataclass
class Chapter:
    name: str | None
    start: str
    end: str | None  # None: still their keyworker
    ended_because: str | None


async def keyworker_history(session: AsyncSession, person: YoungPerson,
                            tz: ZoneInfo) -> list[Chapter]:
    """Who key-worked them, from when to when (``domain.handover.assignment_history``),
    newest first, in the service's timezone. Holds nothing the young person said."""

    return [Chapter(str(row["name"]) if row["name"] else None,
                    when_text(datetime.fromisoformat(str(row["from"])), tz),
                    when_text(datetime.fromisoformat(str(row["to"])), tz) if row["to"] else None,
                    str(row["ended_because"]) if row["ended_because"] else None)
            for row in await assignment_history(session, person.id)]


def this_monday(now: datetime, tz: ZoneInfo) -> date:
    today = now.astimezone(tz).date()
    return today - timedelta(days=today.weekday())


async def checkin_for(session: AsyncSession, staff: Staff, person: YoungPerson,
                      checkin_id: str, *, what: str, now: datetime) -> CheckIn | None:
    """One of this young person's check-ins (the caller has the person from
    ``person_for``); any other id is None, audited as refused."""
    checkin = await session.get(CheckIn, checkin_id) if len(checkin_id) <= 32 else None
    if checkin is None or checkin.young_person_id != person.id:
        audit(session, at=now, actor_kind="staff", actor_id=staff.id, action="desk.refused",
              young_person_id=person.id, detail=f"{what} checkin={checkin_id[:32]}")
        return None
    return checkin


async def active_keyworkers(session: AsyncSession, service_id: str) -> list[Staff]:
    """The service's keyworkers who are still active, by name."""
    return list((await session.scalars(
        select(Staff).where(Staff.service_id == service_id, Staff.active.is_(True),
                            Staff.role == "keyworker").order_by(Staff.name))).all())


# -- a reply -------------------------------------------------------------------------------


ReplyResult = staff_words.Outcome
clean_reply = staff_words.clean


async def send_reply(
    session: AsyncSession, vault: Vault, staff: Staff, person: YoungPerson,
    checkin_id: str | None, text: str, now: datetime,
) -> ReplyResult:
    """A short reply, sealed with the young person's key. On Telegram it goes at once
    (outbox); on the web it is shown the next time they come in. The caller has
    already checked (``person_for``) that this is their keyworker."""
    text = clean_reply(text)
    problem = staff_words.problem_with(text, REPLY_LIMIT, _("Please write a few words first."))
    if problem:
        return ReplyResult(False, problem)
    if checkin_id:
        checkin = await session.get(CheckIn, checkin_id) if len(checkin_id) <= 32 else None
        if checkin is None or checkin.young_person_id != person.id:
            return ReplyResult(False, None)
    await staff_words.write(session, vault, StaffReply, staff=staff, person=person,
                            checkin_id=checkin_id, text=text, now=now, action="desk.replied",
                            kind="staff_reply", say=reply_text)
    return ReplyResult(True)


def reply_text(name: str, text: str) -> str:
    return _("{name} says: \u201c{text}\u201d").format(name=name, text=text)


async def replies_to_show(session: AsyncSession, vault: Vault, person: YoungPerson,
                          now: datetime) -> list[str]:
    """Replies not yet shown to a young person on the web, oldest first; marked shown."""
    return await staff_words.to_show(session, vault, StaffReply, person, now, reply_text)


# -- leads: totals and who needs a keyworker, never words --------------------------------------


@dataclass
class ServiceTotals:
    young_people: int
    checkins_this_month: int
    not_seen: int
    open_alerts: int
    # domain.staff_accounts.needs_keyworker: id, nickname, unit, since, last keyworker
    needs_keyworker: list[dict[str, object]]


async def service_totals(session: AsyncSession, vault: Vault, staff: Staff, tz: ZoneInfo,
                         now: datetime) -> ServiceTotals:
    service_people = select(YoungPerson.id).where(YoungPerson.service_id == staff.service_id)
    local = now.astimezone(tz)
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    count = await session.scalar(select(func.count()).select_from(YoungPerson)
                                 .where(YoungPerson.service_id == staff.service_id))
    month = await session.scalar(select(func.count()).select_from(CheckIn).where(
        CheckIn.young_person_id.in_(service_people), CheckIn.created_at >= month_start))
    unseen = await session.scalar(select(func.count()).select_from(CheckIn).where(
        CheckIn.young_person_id.in_(service_people), CheckIn.acknowledged_at.is_(None)))
    alerts = await session.scalar(select(func.count()).select_from(Alert).where(
        Alert.service_id == staff.service_id, Alert.status == "open"))
    needs = await needs_keyworker(session, vault, service_id=staff.service_id, by=staff, now=now)
    return ServiceTotals(count or 0, month or 0, unseen or 0, alerts or 0, needs)


# -- what changed, for the live desk ----------------------------------------------------------


async def desk_fingerprint(session: AsyncSession, staff: Staff) -> str:
    """A short summary that changes whenever the desk would: a new or seen check-in of
    their young people, a reply, or an alert of the service raised or taken."""
    mine = select(YoungPerson.id).where(YoungPerson.keyworker_id == staff.id)
    checkins = (await session.execute(
        select(func.count(), func.count(CheckIn.acknowledged_at), func.max(CheckIn.created_at))
        .where(CheckIn.young_person_id.in_(mine)))).one()
    alerts = (await session.execute(
        select(func.count(), func.count(Alert.taken_at), func.max(Alert.created_at))
        .where(Alert.service_id == staff.service_id))).one()
    people = await session.scalar(select(func.count()).select_from(YoungPerson)
                                  .where(YoungPerson.keyworker_id == staff.id))
    return "|".join(str(v) for v in (*checkins, *alerts, people))

