"""A summary for a young person's looked-after review, made by their keyworker.

It holds their check-ins (cards, how much, what would help, their words — marked as
theirs), their "felt listened to" answers, and the adults' acknowledgements and
replies, for a range of dates. Every summary is audited (``review.exported``), and
the young person is told: a Telegram message when they use Telegram, and a line on
their home screen in both channels, so nothing about them is made behind their back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import _, current_locale, dates_locale, use_locale
from core.names import first_name
from outbox.message import Message
from outbox.queue import NORMAL, enqueue
from storage.models import AuditEntry, CheckIn, ListenedAnswer, Staff, StaffReply, YoungPerson
from storage.repositories import audit
from storage.vault import Vault

ACTION = "review.exported"
DEFAULT_WEEKS = 12
MAX_DAYS = 400
# How long the home screen mentions the latest summary.
SHOWN_FOR = timedelta(days=30)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class DateRange:
    first: date
    last: date
    problem: str | None = None


def date_range(asked_from: str | None, asked_to: str | None, today: date) -> DateRange:
    """The dates asked for (YYYY-MM-DD), or the last 12 weeks with a kind word why."""
    default = DateRange(today - timedelta(weeks=DEFAULT_WEEKS) + timedelta(days=1), today)
    if not asked_from and not asked_to:
        return default
    try:
        first = date.fromisoformat(asked_from) if asked_from and _DATE.match(asked_from) else None
        last = date.fromisoformat(asked_to) if asked_to and _DATE.match(asked_to) else today
    except ValueError:
        first = None
        last = today
    if first is None:
        return DateRange(default.first, default.last,
                         _("Dates look like 2026-04-30. Here are the last 12 weeks instead."))
    if first > last:
        first, last = last, first
    if (last - first).days > MAX_DAYS:
        first = last - timedelta(days=MAX_DAYS)
    return DateRange(first, last)


@dataclass
class ReviewEntry:
    kind: str  # checkin | listened | reply
    at: datetime
    data: dict = field(default_factory=dict)


async def review_entries(session: AsyncSession, vault: Vault, person: YoungPerson,
                         dates: DateRange, tz: ZoneInfo) -> list[ReviewEntry]:
    """Everything in the range, oldest first (a review reads forwards)."""
    start = datetime.combine(dates.first, time.min, tz)
    end = datetime.combine(dates.last + timedelta(days=1), time.min, tz)
    names: dict[str, str] = {}

    async def name(staff_id: str | None) -> str | None:
        if not staff_id:
            return None
        if staff_id not in names:
            member = await session.get(Staff, staff_id)
            names[staff_id] = member.name if member else "?"
        return names[staff_id]

    out: list[ReviewEntry] = []
    for row in (await session.scalars(select(CheckIn).where(
            CheckIn.young_person_id == person.id, CheckIn.created_at >= start,
            CheckIn.created_at < end))).all():
        payload = await vault.open(session, person.id, "checkins", row.id, row.payload_ct)
        out.append(ReviewEntry("checkin", row.created_at, {
            **payload, "seen_by": await name(row.acknowledged_by),
            "seen_at": row.acknowledged_at, "unfinished": row.unfinished}))
    for answer_row in (await session.scalars(select(ListenedAnswer).where(
            ListenedAnswer.young_person_id == person.id, ListenedAnswer.created_at >= start,
            ListenedAnswer.created_at < end))).all():
        payload = await vault.open(session, person.id, "listened_answers", answer_row.id, answer_row.payload_ct)
        out.append(ReviewEntry("listened", answer_row.created_at, payload))
    for reply_row in (await session.scalars(select(StaffReply).where(
            StaffReply.young_person_id == person.id, StaffReply.created_at >= start,
            StaffReply.created_at < end))).all():
        text = await vault.open(session, person.id, "staff_replies", reply_row.id, reply_row.body_ct)
        out.append(ReviewEntry("reply", reply_row.created_at, {"text": text,
                                                          "by": await name(reply_row.staff_id)}))
    order = {"checkin": 0, "listened": 1, "reply": 2}
    out.sort(key=lambda e: (e.at, order[e.kind]))
    return out


def told_text(keyworker: str, when: datetime, tz: ZoneInfo) -> str:
    day = format_date(when.astimezone(tz).date(), "d MMMM", locale=dates_locale(current_locale()))
    return _("{name} made a summary of your check-ins for your review on {day}. "
             "You can ask to see it.").format(name=keyworker, day=day)


async def record_export(session: AsyncSession, vault: Vault, staff: Staff,
                        person: YoungPerson, dates: DateRange, now: datetime,
                        tz: ZoneInfo) -> None:
    """Audit the summary and tell the young person (Telegram now; home screen both)."""
    audit(session, at=now, actor_kind="staff", actor_id=staff.id, action=ACTION,
          young_person_id=person.id, detail=f"{dates.first}..{dates.last}")
    if person.telegram_chat_id is not None:
        with use_locale(person.locale):
            text = told_text(first_name(staff.name), now, tz)
        await enqueue(session, vault, chat_id=person.telegram_chat_id,
                      message=Message(text=text), kind="review_told", now=now,
                      key_owner=person.id, priority=NORMAL,
                      dedupe_key=f"review:{person.id}:{now.isoformat()}")


async def latest_summary_line(session: AsyncSession, person: YoungPerson, now: datetime,
                              tz: ZoneInfo) -> str | None:
    """The home screen's line about the latest summary (within ``SHOWN_FOR``)."""
    row = (await session.execute(
        select(AuditEntry.at, AuditEntry.actor_id).where(
            AuditEntry.young_person_id == person.id, AuditEntry.action == ACTION,
            AuditEntry.at >= now - SHOWN_FOR)
        .order_by(AuditEntry.at.desc()).limit(1))).first()
    if row is None:
        return None
    member = await session.get(Staff, row.actor_id) if row.actor_id else None
    return told_text(first_name(member.name) if member else _("Your keyworker"), row.at, tz)

