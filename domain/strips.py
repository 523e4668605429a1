"""Mood strips from stored check-ins: the keyworker's weekly view of one young person.

Reading a young person's check-ins to draw a strip is a staff view of their data, so
every strip drawn for a keyworker is written to the audit log.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import _, use_locale
from cards.strip import (
    StripCheckIn,
    StripListened,
    render_overview,
    render_week_strip,
    week_bounds,
    week_monday,
)
from storage.models import Service, Staff, YoungPerson
from storage.repositories import (
    audit,
    checkins_between,
    listened_between,
    young_people_of_keyworker,
)
from storage.vault import KeyErased, Vault
from core.i18n import ngettext
from domain.handover import hello_photo
from domain.moves import DrawBooklet, booklet_pdf_for
from domain.my_data import DrawMyData, my_data_pdf_for
from domain.staff import keyworker_of

if TYPE_CHECKING:
    from storage.db import Database


def iso_week(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def parse_iso_week(value: str) -> date:
    """Monday of "2026-W47"; ValueError with a plain message otherwise."""
    try:
        return week_monday(value)
    except (ValueError, TypeError):
        raise ValueError(f"{value!r} is not an ISO week like 2026-W47") from None


async def week_data(
    session: AsyncSession, vault: Vault, person: YoungPerson, start: datetime, end: datetime
) -> tuple[list[StripCheckIn], list[StripListened]]:
    checkins: list[StripCheckIn] = []
    for row in await checkins_between(session, person.id, start, end):
        payload = await vault.open(session, person.id, "checkins", row.id, row.payload_ct)
        checkins.append(StripCheckIn(row.created_at, tuple(payload["cards"]),
                                     # Stopped before "how much": drawn light.
                                     payload.get("amount") or "a_little"))
    listened: list[StripListened] = []
    for answer_row in await listened_between(session, person.id, start, end):
        payload = await vault.open(session, person.id, "listened_answers", answer_row.id, answer_row.payload_ct)
        listened.append(StripListened(answer_row.created_at, payload["answer"]))
    return checkins, listened


async def person_timezone(session: AsyncSession, person: YoungPerson) -> ZoneInfo:
    service = await session.get(Service, person.service_id)
    return ZoneInfo(service.timezone if service else "Europe/London")


async def week_strip_png(
    session: AsyncSession, vault: Vault, person: YoungPerson, monday: date, locale: str
) -> tuple[bytes, int]:
    """The strip for one week and how many check-ins it shows."""
    tz = await person_timezone(session, person)
    start, end = week_bounds(monday, tz)
    try:
        checkins, listened = await week_data(session, vault, person, start, end)
        nickname = await vault.open(session, person.id, "young_people", person.id, person.nickname_ct)
    except KeyErased:
        checkins, listened, nickname = [], [], "?"
    with use_locale(locale):
        title = _("{nickname}: how the week felt").format(nickname=nickname)
    png = render_week_strip(week_start=monday, checkins=checkins, listened=listened, tz=tz,
                            locale=locale, title=title)
    return png, len(checkins)


async def overview_png(
    session: AsyncSession, vault: Vault, person: YoungPerson, last_monday: date, locale: str,
    weeks: int = 12,
) -> bytes:
    tz = await person_timezone(session, person)
    rows = []
    for back in range(weeks - 1, -1, -1):
        monday = last_monday - timedelta(weeks=back)
        start, end = week_bounds(monday, tz)
        checkins, listened = await week_data(session, vault, person, start, end)
        rows.append((monday, checkins, listened))
    return render_overview(weeks=rows, tz=tz, locale=locale)


async def keyworked(session: AsyncSession, vault: Vault, staff: Staff) -> list[tuple[str, str]]:
    """(id, nickname) of each young person ``staff`` key-works, to choose whose strip
    to see; anyone whose data is erased is left out."""
    out = []
    for person in await young_people_of_keyworker(session, staff.id):
        try:
            name = await vault.open(session, person.id, "young_people", person.id,
                                    person.nickname_ct)
        except KeyErased:
            continue
        out.append((person.id, str(name)))
    return out


async def strip_for(session: AsyncSession, vault: Vault, staff: Staff, person_id: str, *,
                    overview: bool, now: datetime) -> bytes | None:
    """This week's mood strip (or the 12-week overview) of a young person ``staff``
    key-works now, in the staff member's language; audited. Anyone else's is None,
    audited as refused."""
    person = await keyworker_of(session, staff, person_id)
    if person is None:
        known = await session.get(YoungPerson, person_id) if len(person_id) <= 32 else None
        audit(session, at=now, actor_kind="staff", actor_id=staff.id,
              action="strip.refused", young_person_id=known.id if known else None)
        return None
    tz = await person_timezone(session, person)
    today = now.astimezone(tz).date()
    monday = today - timedelta(days=today.weekday())
    if overview:
        png = await overview_png(session, vault, person, monday, staff.locale)
    else:
        png, _count = await week_strip_png(session, vault, person, monday, staff.locale)
    audit(session, at=now, actor_kind="staff", actor_id=staff.id,
          action=f"{'overview' if overview else 'strip'}.viewed", young_person_id=person.id)
    return png


def week_summary(checkins: int, listened: int) -> str:
    """One line for the keyworker. Counts of what happened, never of what did not."""

    parts = [ngettext("{n} check-in", "{n} check-ins", checkins).format(n=checkins)]
    if listened:
        parts.append(
            ngettext("{n} listened-to answer", "{n} listened-to answers", listened).format(n=listened)
        )
    return ", ".join(parts)


async def render_picture(db: "Database", vault: Vault, spec: dict,
                         draw_booklet: DrawBooklet | None = None,
                         draw_my_data: DrawMyData | None = None,
                         now: datetime | None = None) -> bytes | None:
    """Draw a picture (or the booklet's PDF) an outbox message names -- at send time, so
    the outbox holds a small reference, not a copy of the young person's data. None if
    nothing to draw."""
    if spec.get("kind") == "handover_photo":

        async with db.transaction(read_only=True) as session:
            return await hello_photo(session, vault, str(spec.get("assignment_id", "")))
    if spec.get("kind") == "booklet_pdf":
        if draw_booklet is None:
            return None
        return await booklet_pdf_for(db, str(spec.get("young_person_id", "")),
                                     str(spec.get("locale", "en")), draw_booklet)
    if spec.get("kind") == "my_data_pdf":
        if draw_my_data is None:
            return None
        return await my_data_pdf_for(db, vault, spec, now or datetime.now(UTC), draw_my_data)
    if spec.get("kind") != "week_strip":
        return None
    async with db.transaction() as session:
        person = await session.get(YoungPerson, spec["young_person_id"])
        if person is None:
            return None
        png, _count = await week_strip_png(session, vault, person, parse_iso_week(spec["week"]),
                                           spec.get("locale", "en"))
        return png
