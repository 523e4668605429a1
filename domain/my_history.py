"""A young person's own history: what they said, what came back, what changed.

Only ever for the young person themselves (their keyworker has the desk's timeline).
No counts, no streaks, no scores, nothing about days without a check-in: a month is
a calendar of the colours of the feelings they chose, and an empty day is just a day.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cards.colour import RGB
from cards.deck import get_card
from core.i18n import _, current_locale, dates_locale, join_list
from core.names import first_name
from domain.records import amount_label, help_label
from storage.models import Change, CheckIn, Staff, StaffReply, YoungPerson
from storage.vault import Vault

PAGE_SIZE = 10


@dataclass
class Said:
    """One check-in as its young person sees it, with what came back."""

    id: str
    when: str
    cards: list[str]
    feelings: str  # the cards' names, for anyone who cannot see the pictures
    amount: str | None
    help: str | None
    words: str | None
    seen: str | None  # "Alex saw it on 24 Nov"
    replies: list[str] = field(default_factory=list)  # "Alex: …"
    changes: list[str] = field(default_factory=list)  # "You said, we did" for this one

    def lines(self) -> list[str]:
        """The same in plain lines, for a channel that shows text only."""
        out = [self.when, _("You felt: {feelings}").format(feelings=self.feelings)]
        if self.amount:
            out.append(_("How much: {amount}").format(amount=self.amount))
        if self.help:
            out.append(_("What would help: {help}").format(help=self.help))
        if self.words:
            out.append(_("You wrote: \u201c{words}\u201d").format(words=self.words))
        if self.seen:
            out.append(self.seen)
        out += [_("Reply: {text}").format(text=r) for r in self.replies]
        out += [_("You said, we did: {text}").format(text=c) for c in self.changes]
        return out


def when_said(at: datetime, tz: ZoneInfo) -> str:
    return format_datetime(at.astimezone(tz), "EEEE d MMMM, HH:mm",
                           locale=dates_locale(current_locale()))


def _day(at: datetime, tz: ZoneInfo) -> str:
    return format_date(at.astimezone(tz).date(), "d MMMM", locale=dates_locale(current_locale()))


async def _names(session: AsyncSession, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = await session.scalars(select(Staff).where(Staff.id.in_(ids)))
    return {s.id: first_name(s.name) for s in rows}


async def what_i_said(session: AsyncSession, vault: Vault, person: YoungPerson, tz: ZoneInfo,
                      page: int = 0, page_size: int = PAGE_SIZE) -> tuple[list[Said], bool]:
    """Their check-ins, newest first, a page at a time (Telegram shows pages of one);
    and whether there are older ones."""
    page = max(0, min(page, 100_000))
    rows = (await session.scalars(
        select(CheckIn).where(CheckIn.young_person_id == person.id)
        .order_by(CheckIn.created_at.desc(), CheckIn.id)
        .offset(page * page_size).limit(page_size + 1))).all()
    more = len(rows) > page_size
    rows = rows[:page_size]
    ids = [r.id for r in rows]
    replies = (await session.scalars(
        select(StaffReply).where(StaffReply.young_person_id == person.id,
                                 StaffReply.checkin_id.in_(ids))
        .order_by(StaffReply.created_at))).all() if ids else []
    changes = (await session.scalars(
        select(Change).where(Change.young_person_id == person.id, Change.checkin_id.in_(ids))
        .order_by(Change.created_at))).all() if ids else []
    names = await _names(session, {r.acknowledged_by for r in rows if r.acknowledged_by}
                         | {r.staff_id for r in replies if r.staff_id})
    out: list[Said] = []
    for row in rows:
        payload = await vault.open(session, person.id, "checkins", row.id, row.payload_ct)
        seen = None
        if row.acknowledged_at is not None:
            seen = _("{name} saw it on {day}").format(
                name=names.get(row.acknowledged_by or "", _("Your keyworker")),
                day=_day(row.acknowledged_at, tz))
        out.append(Said(
            id=row.id, when=when_said(row.created_at, tz), cards=list(payload["cards"]),
            feelings=join_list([_(get_card(c).label) for c in payload["cards"]]),
            amount=amount_label(payload["amount"]) if payload.get("amount") else None,
            help=help_label(payload["help"]) if payload.get("help") else None,
            words=payload.get("words") or None, seen=seen,
            replies=[f"{names.get(r.staff_id or '', '')}: "
                     f"{await vault.open(session, person.id, 'staff_replies', r.id, r.body_ct)}"
                     .lstrip(": ") for r in replies if r.checkin_id == row.id],
            changes=[await vault.open(session, person.id, "changes", c.id, c.body_ct)
                     for c in changes if c.checkin_id == row.id],
        ))
    return out, more


# -- the month ------------------------------------------------------------------------------


@dataclass
class Day:
    day: date | None  # None: a blank before the 1st or after the last
    colours: list[RGB] = field(default_factory=list)
    feelings: list[str] = field(default_factory=list)  # names, for a screen reader


@dataclass
class Month:
    first: date
    title: str  # "November 2026"
    weekdays: list[str]  # short names, Monday first
    weekdays_narrow: list[str]  # one letter or so, for a calendar on a narrow screen
    weekdays_full: list[str]
    weeks: list[list[Day]]
    earlier: date | None
    later: date | None  # None: this month is the newest


def month_start(value: str | None, today: date) -> date:
    """"2026-11" → 1 Nov 2026; anything else (or a month to come) → this month."""
    this_month = today.replace(day=1)
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        first = date(year, month, 1)
    except ValueError:
        return this_month
    return min(first, this_month) if first.year > 1999 else this_month


async def my_month(session: AsyncSession, vault: Vault, person: YoungPerson, first: date,
                   tz: ZoneInfo, today: date) -> Month:
    first = first.replace(day=1)
    days_in = calendar.monthrange(first.year, first.month)[1]
    start = datetime.combine(first, time.min, tz)
    end = start + timedelta(days=days_in)
    by_day: dict[date, Day] = {first + timedelta(days=i): Day(first + timedelta(days=i))
                               for i in range(days_in)}
    for row in (await session.scalars(
            select(CheckIn).where(CheckIn.young_person_id == person.id,
                                  CheckIn.created_at >= start, CheckIn.created_at < end)
            .order_by(CheckIn.created_at))).all():
        payload = await vault.open(session, person.id, "checkins", row.id, row.payload_ct)
        cell = by_day[row.created_at.astimezone(tz).date()]
        for card_id in payload["cards"]:
            card = get_card(card_id)
            cell.colours.append(card.colour)
            cell.feelings.append(_(card.label))
    locale = dates_locale(current_locale())
    cells = [Day(None)] * first.weekday() + list(by_day.values())
    cells += [Day(None)] * (-len(cells) % 7)
    monday = date(2024, 1, 1)  # a Monday
    earlier = (first - timedelta(days=1)).replace(day=1)
    later = (first + timedelta(days=days_in))
    return Month(
        first=first,
        title=format_date(first, "LLLL y", locale=locale),
        weekdays=[format_date(monday + timedelta(days=i), "EEE", locale=locale) for i in range(7)],
        weekdays_narrow=[format_date(monday + timedelta(days=i), "EEEEE", locale=locale)
                         for i in range(7)],
        weekdays_full=[format_date(monday + timedelta(days=i), "EEEE", locale=locale)
                       for i in range(7)],
        weeks=[cells[i:i + 7] for i in range(0, len(cells), 7)],
        earlier=earlier if earlier.year > 1999 else None,
        later=later if later <= today.replace(day=1) else None,
    )
