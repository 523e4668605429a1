""""My data": what Heard holds about a young person, shown to them in plain words and
their own language, and their request to have it deleted.

``my_data`` gathers only rows of this one young person: their check-ins, "felt
listened to" answers, replies to them, summaries made about them, and every staff
view of their data from the audit log (the role and when; the staff member's name
only when their service chooses to show names).

"Delete my data" is a request, not a button that deletes: a care record may have to
be kept, so the service decides (a lead or an admin of the young person's service)
within ``erase_decision_days``. The keyworker, the leads and admins, and the
service's data-protection contact (by email, when mail is configured) are told. The
young person is told the outcome either way; an approval runs the very erasure
``admin erase-young-person`` runs (``domain.admin.erase_young_person``), after the
goodbye message is queued where erasure does not cancel it. A request past its due
time is never decided by itself: the lead and admins are reminded every week and the
desk shows it as overdue.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlalchemy import func, or_, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cards.deck import get_card
from core.i18n import (
    DEFAULT_LOCALE,
    N_,
    _,
    current_locale,
    dates_locale,
    language_name,
    use_locale,
)
from core.names import first_name
from domain import staff_words
from domain.admin import erase_young_person
from domain.desk import when_text
from domain.nicknames import nickname_of, preload_keys
from domain.records import (
    LISTENED_ANSWERS,
    LISTENED_WHO,
    amount_label,
    help_label,
)
from domain.review import ACTION as REVIEW_EXPORTED
from outbox.email import chat_key
from outbox.message import Message
from outbox.queue import NORMAL, enqueue
from outbox.routes import Email, current as current_routes, desk_url, tell_staff
from storage.models import (
    AuditEntry,
    CheckIn,
    DataRequest,
    ListenedAnswer,
    Meta,
    OutboxMessage,
    Service,
    Staff,
    StaffReply,
    WebSession,
    YoungPerson,
)
from storage.db import Database, insert_once
from storage.repositories import audit, set_meta
from storage.vault import SYSTEM_OWNER, KeyErased, Vault

REQUESTED, APPROVED, REFUSED, DONE, WITHDRAWN = (
    "requested", "approved", "refused", "done", "withdrawn")
OPEN = (REQUESTED,)
DECIDERS = ("lead", "admin")
REASON_LIMIT = 1000
# An overdue request is brought up again this often until it is decided.
REMIND_EVERY = timedelta(days=7)
# How many staff views the page lists (newest first); the rest are counted.
VIEWS_SHOWN = 500
# The outbox kind of the goodbye after an erasure: once it has gone, the chat id on it
# is forgotten too (``forget_erased_chats``).
ERASED_KIND = "data_erased"
# Set when an erasure committed; the scheduler then wipes the deleted key from the
# database files (``storage.db.Database.scrub_deleted_keys``).
SCRUB_DUE = "scrub_deleted_keys_due"
# A goodbye still to go after an erasure: ``meta`` key prefix + the outbox row's id.
GOODBYE_PREFIX = "erased_goodbye:"
_REASONS = "data_requests"

ROLE_NAMES = {
    "keyworker": N_("Keyworker"),
    "placement": N_("Staff at a home you may move to"),
    "lead": N_("Service lead"),
    "commissioner": N_("Commissioner"),
    "admin": N_("Heard admin at your service"),
}
# What a staff member did, in words a young person reads. Anything else is "Looked
# at or changed something about you".
ACTION_WORDS = {
    "desk.viewed": N_("Looked at your check-ins"),
    "desk.alert_viewed": N_("Looked at an urgent alert about you"),
    "desk.handover_viewed": N_("Looked at who your keyworker is"),
    "handover_note.viewed": N_("Read the note about you from your last keyworker"),
    "checkin.acknowledged": N_("Marked your check-in as seen"),
    "desk.replied": N_("Wrote you a reply"),
    REVIEW_EXPORTED: N_("Made a summary of your check-ins for your review"),
    "placement_question.viewed": N_("Read your question about your next home"),
    "placement_question.answered": N_("Answered your question about your next home"),
    "placement_move.planned": N_("Planned your move"),
    "placement_move.cancelled": N_("Cancelled a planned move"),
    "keyworker.assigned": N_("Chose your keyworker"),
    "keyworker.unassigned": N_("Ended a keyworker's time with you"),
    "alert.taken": N_("Said \u201cI'm on it\u201d after you told us you were not safe"),
    "data_request.approved": N_("Said yes to deleting your data"),
    "data_request.refused": N_("Decided to keep your data, and said why"),
    "web.pin_reset": N_("Reset your PIN"),
    "link.renewed": N_("Made you a new link"),
    "young_person.unit_set": N_("Changed where you live"),
}
STATE_WORDS = {
    REQUESTED: N_("Waiting for your service to decide"),
    APPROVED: N_("Your service said yes"),
    REFUSED: N_("Your service decided to keep your data"),
    DONE: N_("Deleted"),
    WITHDRAWN: N_("You stopped this request"),
}


class DataRequestError(Exception):
    """A request that cannot be done as asked; the message is for the person asking."""


class NotYours(DataRequestError):
    """Not there, or not this staff member's to decide: the same answer for both."""


# -- what Heard holds -----------------------------------------------------------------------


@dataclass(frozen=True)
class CheckInItem:
    when: str
    cards: list[str]
    amount: str | None
    help: str | None
    words: str | None
    unfinished: bool
    seen_by: str | None
    seen_when: str | None


@dataclass(frozen=True)
class ListenedItem:
    when: str
    who: str
    answer: str


@dataclass(frozen=True)
class ReplyItem:
    when: str
    by: str
    text: str


@dataclass(frozen=True)
class SummaryItem:
    when: str
    by: str
    dates: str


@dataclass(frozen=True)
class StaffViewItem:
    when: str
    who: str  # the role, or "Role: Name" when the service shows names
    what: str


@dataclass(frozen=True)
class RequestItem:
    id: str
    state: str
    state_words: str
    asked_when: str
    due_when: str
    decided_when: str | None
    reason: str | None


@dataclass
class MyData:
    nickname: str
    language: str
    unit: str | None
    keyworker: str | None
    joined: str
    checkins: list[CheckInItem] = field(default_factory=list)
    listened: list[ListenedItem] = field(default_factory=list)
    replies: list[ReplyItem] = field(default_factory=list)
    summaries: list[SummaryItem] = field(default_factory=list)
    views: list[StaffViewItem] = field(default_factory=list)
    views_not_shown: int = 0
    names_shown: bool = False
    who_sees: list[str] = field(default_factory=list)
    requests: list[RequestItem] = field(default_factory=list)
    open_request: str | None = None  # the id of a request still waiting for a decision
    decision_days: int = 30
    made_on: str = ""


def _day(at: datetime, tz: ZoneInfo) -> str:
    return format_date(at.astimezone(tz).date(), "d MMMM yyyy",
                       locale=dates_locale(current_locale()))


def _dates(detail: str) -> str:
    """A review summary's range as written in the audit ("2026-09-01..2026-11-23"),
    in words ("1 September 2026 \u2013 23 November 2026")."""
    try:
        first, last = (date.fromisoformat(part) for part in detail.split(".."))
    except ValueError:
        return detail.replace("..", " \u2013 ")
    locale = dates_locale(current_locale())
    return (f"{format_date(first, 'd MMMM yyyy', locale=locale)} \u2013 "
            f"{format_date(last, 'd MMMM yyyy', locale=locale)}")


async def _service(session: AsyncSession, person: YoungPerson) -> Service:
    service = await session.get(Service, person.service_id)
    assert service is not None
    return service


def decision_promise(person: YoungPerson) -> str:
    """What we can truly promise about hearing the decision: on Telegram we tell them
    either way; on the web only a refusal can wait for their next visit, because an
    approval deletes their link with everything else."""
    if person.telegram_chat_id is not None:
        return _("We will tell you what they decide, and why. You can change your mind "
                 "while you wait.")
    return _("If they say no, we will tell you why here. If they say yes, everything is "
             "deleted, even your link, so ask your keyworker if you want to check. You can "
             "change your mind while you wait.")


def who_sees_lines(keyworker: str | None, channel: str, decision_days: int) -> list[str]:
    """"Who can see what", in short words."""
    lines = [
        (_("{who}, your keyworker, sees your check-ins, your words and your answers, and "
           "can write back to you.").format(who=keyworker) if keyworker else
         _("Your keyworker sees your check-ins, your words and your answers, and can write "
           "back to you.")),
        _("If you tell us you are not safe, staff on call and the leads of your service "
          "are told too, and read what you said then, so someone can help quickly."),
        _("Otherwise your service's leads see totals, like how many check-ins there were, "
          "not your words."),
        _("What you write is locked (encrypted) with your own key."),
        _("Every time a member of staff looks at your data, it is written down. The list "
          "is below."),
        _("You can ask for your data to be deleted. Sometimes a care record has to be "
          "kept, so your service decides within {days} days and tells you why.")
        .format(days=decision_days),
    ]
    if channel == "telegram":
        lines.append(_("Messages on Telegram go through Telegram, a company outside your "
                       "service."))
    return lines


async def my_data(session: AsyncSession, vault: Vault, person: YoungPerson, now: datetime,
                  *, channel: str, decision_days: int) -> MyData:
    """Everything Heard holds about ``person`` that can be read, in the current
    language (the caller sets the young person's). Nothing of anyone else."""
    service = await _service(session, person)
    tz = ZoneInfo(service.timezone)
    keyworker = await session.get(Staff, person.keyworker_id) if person.keyworker_id else None
    keyworker_name = first_name(keyworker.name) if keyworker else None
    names: dict[str, Staff | None] = {}

    async def staff(staff_id: str | None) -> Staff | None:
        if not staff_id:
            return None
        if staff_id not in names:
            names[staff_id] = await session.get(Staff, staff_id)
        return names[staff_id]

    async def first(staff_id: str | None) -> str | None:
        member = await staff(staff_id)
        return first_name(member.name) if member else None

    data = MyData(
        nickname=await vault.open(session, person.id, "young_people", person.id,
                                  person.nickname_ct),
        language=language_name(person.locale), unit=person.unit, keyworker=keyworker_name,
        joined=_day(person.created_at, tz), names_shown=service.audit_names_shown,
        who_sees=who_sees_lines(keyworker_name, channel, decision_days),
        decision_days=decision_days, made_on=_day(now, tz),
    )
    for row in (await session.scalars(
            select(CheckIn).where(CheckIn.young_person_id == person.id)
            .order_by(CheckIn.created_at.desc()))).all():
        payload = await vault.open(session, person.id, "checkins", row.id, row.payload_ct)
        data.checkins.append(CheckInItem(
            when=when_text(row.created_at, tz),
            cards=[_(get_card(c).label) for c in payload.get("cards") or []],
            amount=amount_label(payload["amount"]) if payload.get("amount") else None,
            help=help_label(payload["help"]) if payload.get("help") else None,
            words=payload.get("words") or None, unfinished=row.unfinished,
            seen_by=await first(row.acknowledged_by) if row.acknowledged_at else None,
            seen_when=when_text(row.acknowledged_at, tz) if row.acknowledged_at else None))
    for answer_row in (await session.scalars(
            select(ListenedAnswer).where(ListenedAnswer.young_person_id == person.id)
            .order_by(ListenedAnswer.created_at.desc()))).all():
        payload = await vault.open(session, person.id, "listened_answers", answer_row.id,
                                   answer_row.payload_ct)
        who, answer = payload.get("who"), payload.get("answer")
        data.listened.append(ListenedItem(
            when=when_text(answer_row.created_at, tz),
            who=_(LISTENED_WHO[who]) if who in LISTENED_WHO else _("Someone"),
            answer=_(LISTENED_ANSWERS[answer]) if answer in LISTENED_ANSWERS else str(answer)))
    for reply_row in (await session.scalars(
            select(StaffReply).where(StaffReply.young_person_id == person.id)
            .order_by(StaffReply.created_at.desc()))).all():
        text = await vault.open(session, person.id, "staff_replies", reply_row.id, reply_row.body_ct)
        data.replies.append(ReplyItem(when_text(reply_row.created_at, tz),
                                      await first(reply_row.staff_id) or _("Staff"), text))
    # Staff views: every review summary, the newest VIEWS_SHOWN views, and how many
    # more there are (a long history is counted, not read row by row).
    views = (AuditEntry.young_person_id == person.id, AuditEntry.actor_kind == "staff",
             AuditEntry.action != "desk.refused")
    newest = (AuditEntry.at.desc(), AuditEntry.id.desc())

    async def who_looked(entry: AuditEntry) -> str:
        member = await staff(entry.actor_id)
        role = _(ROLE_NAMES.get(member.role, N_("Staff"))) if member else _("Staff")
        return f"{role}: {member.name}" if member and service.audit_names_shown else role

    for entry in (await session.scalars(select(AuditEntry).where(
            *views, AuditEntry.action == REVIEW_EXPORTED).order_by(*newest))).all():
        data.summaries.append(SummaryItem(when_text(entry.at, tz), await who_looked(entry),
                                          _dates(entry.detail or "")))
    for entry in (await session.scalars(
            select(AuditEntry).where(*views).order_by(*newest).limit(VIEWS_SHOWN))).all():
        words = ACTION_WORDS.get(entry.action, N_("Looked at or changed something about you"))
        data.views.append(StaffViewItem(when_text(entry.at, tz), await who_looked(entry),
                                        _(words)))
    total = int(await session.scalar(
        select(func.count()).select_from(AuditEntry).where(*views)) or 0)
    data.views_not_shown = max(0, total - len(data.views))
    for req in await requests_of(session, person):
        reason = None
        if req.reason_ct:
            reason = await vault.open(session, person.id, _REASONS, req.id, req.reason_ct)
        data.requests.append(RequestItem(
            req.id, req.state, _(STATE_WORDS[req.state]), when_text(req.requested_at, tz),
            _day(req.due_at, tz), when_text(req.decided_at, tz) if req.decided_at else None,
            reason))
        if req.state == REQUESTED:
            data.open_request = req.id
    return data


# Lays "My data" out as a PDF (the web's own template: web/my_data_routes.py); None when
# PDFs cannot be made here. Handed in by the composition root (app/serve.py).
DrawMyData = Callable[[MyData], Awaitable[bytes | None]]


async def my_data_pdf_for(db: Database, vault: Vault, spec: dict[str, Any], now: datetime,
                          draw: DrawMyData) -> bytes | None:
    """The PDF an outbox message names, drawn when it is sent, in the young person's
    language; None once they are erased."""
    locale = str(spec.get("locale", "en"))
    async with db.transaction(read_only=True) as session:
        person = await session.get(YoungPerson, str(spec.get("young_person_id", "")))
        if person is None:
            return None
        with use_locale(locale):
            try:
                data = await my_data(session, vault, person, now, channel="telegram",
                                     decision_days=int(spec.get("days", 30)))
            except KeyErased:
                return None
    with use_locale(locale):
        return await draw(data)


async def send_my_data_pdf(session: AsyncSession, vault: Vault, person: YoungPerson,
                           now: datetime, decision_days: int) -> bool:
    """Queue "My data" as a PDF to the young person's Telegram chat (drawn at send time,
    so the outbox holds a reference, not a copy)."""
    if person.telegram_chat_id is None:
        return False
    with use_locale(person.locale):
        text = _("Your data in Heard, to keep. Only you have this copy.")
    await enqueue(session, vault, chat_id=person.telegram_chat_id,
                  message=Message(text=text, locale=person.locale, picture={
                      "kind": "my_data_pdf", "young_person_id": person.id,
                      "locale": person.locale, "days": decision_days,
                      "document": "my-data.pdf"}),
                  kind="my_data_pdf", now=now, key_owner=person.id, priority=NORMAL,
                  dedupe_key=f"my-data-pdf:{person.id}:{now.isoformat()}")
    audit(session, at=now, actor_kind="young_person", actor_id=person.id,
          action="my_data.pdf_sent", young_person_id=person.id)
    return True


# -- "delete my data" -------------------------------------------------------------------------


async def requests_of(session: AsyncSession, person: YoungPerson) -> list[DataRequest]:
    return list((await session.scalars(
        select(DataRequest).where(DataRequest.young_person_id == person.id)
        .order_by(DataRequest.requested_at.desc()))).all())


async def open_request(session: AsyncSession, person: YoungPerson) -> DataRequest | None:
    return await session.scalar(
        select(DataRequest).where(DataRequest.young_person_id == person.id,
                                  DataRequest.state == REQUESTED).limit(1))


async def _deciders(session: AsyncSession, service_id: str) -> list[Staff]:
    return list((await session.scalars(
        select(Staff).where(Staff.service_id == service_id, Staff.role.in_(DECIDERS),
                            Staff.active.is_(True)).order_by(Staff.created_at))).all())


async def ask_to_erase(session: AsyncSession, vault: Vault, person: YoungPerson, *,
                       channel: str, now: datetime, decision_days: int) -> DataRequest:
    """The young person asks for their data to be deleted. Asking again while a request
    waits changes nothing (the same request is returned)."""
    existing = await open_request(session, person)
    if existing is not None:
        return existing
    row = DataRequest(young_person_id=person.id, service_id=person.service_id, kind="erase",
                      state=REQUESTED, channel=channel, requested_at=now,
                      due_at=now + timedelta(days=decision_days))
    if not await insert_once(session, row):  # asked twice at once: the first one stands
        existing = await open_request(session, person)
        assert existing is not None
        return existing
    audit(session, at=now, actor_kind="young_person", actor_id=person.id,
          action="data_request.asked", young_person_id=person.id, detail=row.id)
    nickname = await nickname_of(session, vault, person) or "?"
    service = await _service(session, person)
    told: set[str] = set()
    keyworker = await session.get(Staff, person.keyworker_id) if person.keyworker_id else None
    for member in ([keyworker] if keyworker else []) + await _deciders(session, service.id):
        if member.id in told:
            continue
        told.add(member.id)
        deciding = member.role in DECIDERS
        with use_locale(member.locale):
            text = _("{nickname} has asked for their data in Heard to be deleted.").format(
                nickname=nickname)
            if deciding:
                text += "\n\n" + _("A lead or admin decides by {day}, on the staff desk: "
                                   "{url}").format(day=_day(row.due_at, ZoneInfo(service.timezone)),
                                                   url=desk_url("/staff/data-requests"))
            else:
                text += "\n\n" + _("Your service's lead decides. You may want to talk "
                                   "with them about it.")
            email = Email(subject=_("A request to delete data in Heard"),
                          text=_("A young person has asked for their data in Heard to be "
                                 "deleted. A lead or admin decides on the staff desk: {url}")
                          .format(url=desk_url("/staff/data-requests")))
        await tell_staff(session, vault, member, telegram=Message(text=text), email=email,
                         kind="data_request", now=now, key_owner=person.id,
                         dedupe_key=f"data-request:{row.id}:{member.id}")
    address = (service.data_protection_email or "").strip()
    if address and current_routes().mail:
        # The service's own contact: in the service's language (English), not the
        # young person's. Names nobody: email passes through servers outside the service.
        with use_locale(DEFAULT_LOCALE):
            message = Message(
                text=_("A young person at {service} has asked for their data in Heard to be "
                       "deleted (request {ref}). A lead or admin decides on the staff desk by "
                       "{day}: {url}").format(service=service.name, ref=row.id[:8],
                                              day=row.due_at.date().isoformat(),
                                              url=desk_url("/staff/data-requests")),
                subject=_("A request to delete data in Heard"), address=address)
        await enqueue(session, vault, chat_id=chat_key(address), message=message,
                      kind="data_request", now=now, channel="email",
                      dedupe_key=f"data-request:{row.id}:dpo")
    return row


async def withdraw(session: AsyncSession, person: YoungPerson, request_id: str,
                   now: datetime) -> DataRequest:
    """The young person changes their mind while the request waits."""
    row = await session.get(DataRequest, request_id) if 0 < len(request_id or "") <= 32 else None
    if row is None or row.young_person_id != person.id:
        raise NotYours(_("That request is not there any more."))
    if row.state != REQUESTED:
        raise DataRequestError(_("Your service has already decided, so it cannot be stopped "
                                 "now."))
    row.state, row.decided_at = WITHDRAWN, now
    audit(session, at=now, actor_kind="young_person", actor_id=person.id,
          action="data_request.withdrawn", young_person_id=person.id, detail=row.id)
    return row


@dataclass(frozen=True)
class DeskRequest:
    id: str
    nickname: str
    state: str
    state_words: str
    asked_when: str
    due_when: str
    overdue: bool
    decided_when: str | None


def can_decide(staff: Staff) -> bool:
    return staff.active and staff.role in DECIDERS


async def requests_for_desk(session: AsyncSession, vault: Vault, staff: Staff,
                            now: datetime) -> list[DeskRequest]:
    """The service's requests: waiting ones first (overdue at the top), then the last
    decided ones. Only for a lead or an admin of that service."""
    if not can_decide(staff):
        return []
    service = await session.get(Service, staff.service_id)
    tz = ZoneInfo(service.timezone if service else "Europe/London")
    # Each request with its young person, and their keys in one more query (not two
    # queries a row).
    rows = (await session.execute(
        select(DataRequest, YoungPerson)
        .outerjoin(YoungPerson, YoungPerson.id == DataRequest.young_person_id)
        .where(DataRequest.service_id == staff.service_id)
        .order_by(DataRequest.requested_at.desc()).limit(200))).all()
    await preload_keys(session, list({person.id for _row, person in rows if person}))
    out = []
    for row, person in rows:
        nickname = (await nickname_of(session, vault, person) if person else None) or "?"
        out.append(DeskRequest(
            row.id, nickname, row.state, _(STATE_WORDS[row.state]),
            when_text(row.requested_at, tz), _day(row.due_at, tz),
            row.state == REQUESTED and row.due_at <= now,
            when_text(row.decided_at, tz) if row.decided_at else None))
    out.sort(key=lambda r: (r.state != REQUESTED, not r.overdue))
    audit(session, at=now, actor_kind="staff", actor_id=staff.id,
          action="data_request.listed", detail=f"requests={len(out)}")
    return out


async def waiting_for(session: AsyncSession, staff: Staff, now: datetime) -> tuple[int, int]:
    """How many requests of the service wait for a decision, and how many of those are
    overdue (for the top of the lead's and the admin's pages)."""
    if not can_decide(staff):
        return 0, 0
    dues = (await session.scalars(select(DataRequest.due_at).where(
        DataRequest.service_id == staff.service_id, DataRequest.state == REQUESTED))).all()
    return len(dues), sum(1 for due in dues if due <= now)


async def _for_decider(session: AsyncSession, staff: Staff, request_id: str) -> DataRequest:
    row = await session.get(DataRequest, request_id) if 0 < len(request_id or "") <= 32 else None
    if row is None or not can_decide(staff) or row.service_id != staff.service_id:
        raise NotYours(_("That request is not there any more."))
    if row.state != REQUESTED:
        raise DataRequestError(_("This request has already been decided."))
    return row


@dataclass(frozen=True)
class Decision:
    approved: bool
    young_person_told: bool  # a Telegram message was queued (the web shows it on a visit)


async def refuse(session: AsyncSession, vault: Vault, staff: Staff, request_id: str,
                 reason: str, now: datetime) -> Decision:
    """Keep the data, with a reason in plain words the young person is told."""
    row = await _for_decider(session, staff, request_id)
    reason = staff_words.clean(reason or "")
    problem = staff_words.problem_with(reason, REASON_LIMIT, _(
        "Please write why, in plain words: the young person will read it."))
    if problem:
        raise DataRequestError(problem)
    person = await session.get(YoungPerson, row.young_person_id)
    assert person is not None
    row.reason_ct = await vault.seal(session, person.id, _REASONS, row.id, reason)
    row.state, row.decided_at, row.decided_by = REFUSED, now, staff.id
    audit(session, at=now, actor_kind="staff", actor_id=staff.id,
          action="data_request.refused", young_person_id=person.id, detail=row.id)
    await _tell_keyworker(session, vault, staff, person, row, approved=False, now=now)
    told = False
    if person.telegram_chat_id is not None:
        with use_locale(person.locale):
            text = refused_text(reason, await _keyworker_first_name(session, person))
        await enqueue(session, vault, chat_id=person.telegram_chat_id,
                      message=Message(text=text, locale=person.locale), kind="data_request_told",
                      now=now, key_owner=person.id, dedupe_key=f"data-request-told:{row.id}")
        row.told_at = now
        told = True
    return Decision(False, told)


async def _tell_keyworker(session: AsyncSession, vault: Vault, decider: Staff,
                          person: YoungPerson, row: DataRequest, *, approved: bool,
                          now: datetime) -> None:
    """The keyworker was told of the request; they hear the decision too (unless they
    made it). A "deleted" message names nobody: it is sealed with the system key and
    outlives the young person's data."""
    keyworker = await session.get(Staff, person.keyworker_id) if person.keyworker_id else None
    if keyworker is None or keyworker.id == decider.id or not keyworker.active:
        return
    service = await _service(session, person)
    with use_locale(keyworker.locale):
        if approved:
            text = _("The request to delete a young person's data that you were told about "
                     "on {day} was agreed by {who}. Their data in Heard is deleted.").format(
                day=_day(row.requested_at, ZoneInfo(service.timezone)),
                who=first_name(decider.name))
            owner = SYSTEM_OWNER
        else:
            text = _("{who} decided to keep {nickname}'s data in Heard for now. {nickname} "
                     "has been told why.").format(
                who=first_name(decider.name),
                nickname=await nickname_of(session, vault, person) or "?")
            owner = person.id
        email = Email(subject=_("A request to delete data in Heard was decided"),
                      text=_("A request to delete a young person's data in Heard has been "
                             "decided. The staff desk has the details: {url}").format(
                          url=desk_url("/staff/data-requests")))
    await tell_staff(session, vault, keyworker, telegram=Message(text=text), email=email,
                     kind="data_request_decided", now=now, key_owner=owner,
                     dedupe_key=f"data-request-decided:{row.id}")


async def _keyworker_first_name(session: AsyncSession, person: YoungPerson) -> str | None:
    keyworker = await session.get(Staff, person.keyworker_id) if person.keyworker_id else None
    return first_name(keyworker.name) if keyworker else None


def refused_text(reason: str, keyworker: str | None) -> str:
    return "\n\n".join([
        _("You asked for your data in Heard to be deleted. Your service has decided to "
          "keep it for now."),
        _("They said: \u201c{reason}\u201d").format(reason=reason),
        _("If you are not happy about this, you can talk to {who}, or ask to speak to the "
          "person who looks after data at your service. You can also tell the ICO, who "
          "check that data is looked after properly: ico.org.uk/make-a-complaint")
        .format(who=keyworker or _("your keyworker")),
    ])


def erased_text() -> str:
    return "\n\n".join([
        _("You asked for your data in Heard to be deleted. Your service said yes."),
        _("Your data is being deleted now. After this message, Heard will not know you "
          "any more, and this chat will stop working."),
        _("If you need to talk to someone, Childline is free: 0800 1111."),
    ])


async def approve(session: AsyncSession, vault: Vault, staff: Staff, request_id: str,
                  now: datetime) -> Decision:
    """Delete their data: the erasure ``admin erase-young-person`` runs. The goodbye is
    queued after it, sealed with the system key and addressed to the chat erasure has
    just forgotten, so erasure does not cancel it; once it has gone, the scheduler
    forgets that chat id too (``forget_erased_chats``)."""
    row = await _for_decider(session, staff, request_id)
    person = await session.get(YoungPerson, row.young_person_id)
    assert person is not None
    chat_id, locale = person.telegram_chat_id, person.locale
    row.state, row.decided_at, row.decided_by = APPROVED, now, staff.id
    audit(session, at=now, actor_kind="staff", actor_id=staff.id,
          action="data_request.approved", young_person_id=person.id, detail=row.id)
    # Their browser sessions end (erasure deletes them); kept only as "ended: erased",
    # naming nobody, so a browser still open is told plainly that it is done.
    await session.execute(
        update(WebSession).where(WebSession.young_person_id == person.id)
        .values(young_person_id=None, view_ct=None, ended_reason="erased"))
    await _tell_keyworker(session, vault, staff, person, row, approved=True, now=now)
    # Also deletes this request (and cancels messages still sealed with their key).
    await erase_young_person(session, vault, person.id, now, by=staff)
    await set_meta(session, SCRUB_DUE, now.isoformat())
    if chat_id is not None:
        with use_locale(locale):
            text = erased_text()
        goodbye = await enqueue(session, vault, chat_id=chat_id,
                                message=Message(text=text, locale=locale), kind=ERASED_KIND,
                                now=now, key_owner=SYSTEM_OWNER)
        await set_meta(session, GOODBYE_PREFIX + goodbye.id, now.isoformat())
    return Decision(True, chat_id is not None)


async def decision_notice(session: AsyncSession, vault: Vault, person: YoungPerson,
                          now: datetime) -> str | None:
    """For the web: a decision not yet told (refused, on a web-only young person), once."""
    row = await session.scalar(
        select(DataRequest).where(DataRequest.young_person_id == person.id,
                                  DataRequest.state == REFUSED, DataRequest.told_at.is_(None))
        .order_by(DataRequest.decided_at.desc()).limit(1))
    if row is None:
        return None
    reason = (await vault.open(session, person.id, _REASONS, row.id, row.reason_ct)
              if row.reason_ct else "")
    row.told_at = now
    return refused_text(reason, await _keyworker_first_name(session, person))


# -- the scheduler ------------------------------------------------------------------------------


async def remind_overdue(session: AsyncSession, vault: Vault, now: datetime) -> int:
    """Requests past their due time: the service's lead(s) and admin(s) are reminded,
    then again every week until someone decides. Returns how many requests."""
    # Only those due a reminder, oldest first, so a long queue cannot starve any.
    rows = (await session.scalars(
        select(DataRequest).where(
            DataRequest.state == REQUESTED, DataRequest.due_at <= now,
            or_(DataRequest.reminded_at.is_(None),
                DataRequest.reminded_at <= now - REMIND_EVERY))
        .order_by(DataRequest.due_at).limit(100))).all()
    count = 0
    for row in rows:
        for member in await _deciders(session, row.service_id):
            with use_locale(member.locale):
                text = _("A young person's request to delete their data in Heard is past the "
                         "date it should have been decided. Please decide on the staff desk: "
                         "{url}").format(url=desk_url("/staff/data-requests"))
                email = Email(subject=_("Overdue: a request to delete data in Heard"), text=text)
            await tell_staff(session, vault, member, telegram=Message(text=text), email=email,
                             kind="data_request_overdue", now=now,
                             dedupe_key=f"data-request-overdue:{row.id}:{member.id}:"
                                        f"{now.date().isoformat()}")
        row.reminded_at = now
        audit(session, at=now, actor_kind="system", actor_id=None,
              action="data_request.overdue", young_person_id=row.young_person_id, detail=row.id)
        count += 1
    return count


async def forget_erased_chats(session: AsyncSession) -> None:
    """Once the goodbye after an erasure has gone (or given up), its chat id goes too.
    Each goodbye waiting is named in ``meta`` (a small table), so this pass never
    scans the outbox."""
    keys = (await session.scalars(
        select(Meta.key).where(Meta.key.like(GOODBYE_PREFIX + "%")))).all()
    for key in keys:
        message = await session.get(OutboxMessage, key[len(GOODBYE_PREFIX):])
        if message is not None and message.status == "pending":
            continue
        if message is not None:
            message.chat_id = 0
        await session.execute(delete(Meta).where(Meta.key == key))


# -- the service's choices ---------------------------------------------------------------------


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


async def service_of(session: AsyncSession, staff: Staff) -> Service:
    service = await session.get(Service, staff.service_id)
    assert service is not None
    return service


async def set_service_choices(session: AsyncSession, staff: Staff, *, names_shown: bool,
                              data_protection_email: str, now: datetime) -> Service:
    """A lead or admin chooses whether young people see staff names in "My data", and
    who is told (by email) of a request to delete data."""
    if not can_decide(staff):
        raise NotYours(_("Only a lead or an admin can change this."))
    service = await session.get(Service, staff.service_id)
    assert service is not None
    address = (data_protection_email or "").strip().lower()
    if address and not _EMAIL.match(address):
        raise DataRequestError(_("That does not look like an email address."))
    service.audit_names_shown = names_shown
    service.data_protection_email = address or None
    audit(session, at=now, actor_kind="staff", actor_id=staff.id,
          action="service.my_data_choices",
          detail=f"names_shown={names_shown} dpo={'set' if address else 'none'}")
    return service
