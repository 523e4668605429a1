""""You said, we did": showing young people what came of what they told us.

Two kinds. A keyworker marks one young person's check-in with what changed because
of it (sealed with that young person's key, told to them on their channel, kept in
their history). A lead posts a unit-wide note made from themes, which names no one
and so is kept in the clear; the young people of that unit see it on the web home
and with /yousaid. Leads count, in totals only, how many check-ins led to a change.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import _
from domain import staff_words
from domain.staff_words import Outcome
from storage.models import Change, CheckIn, Staff, UnitNote, YoungPerson
from storage.repositories import audit
from storage.vault import KeyErased, Vault

CHANGE_LIMIT = 500
NOTE_LIMIT = 600
# Unit-wide notes a young person is shown: the newest few, from the last half year.
NOTES_SHOWN = 5
NOTES_FOR = timedelta(days=183)
LEAD_ROLES = ("lead", "admin")


def change_text(name: str, text: str) -> str:
    return _("You said, we did. {name} wrote: \u201c{text}\u201d").format(name=name, text=text)


async def record_change(session: AsyncSession, vault: Vault, staff: Staff, person: YoungPerson,
                        checkin_id: str, text: str, now: datetime) -> Outcome:
    """What changed because of this check-in. The caller has checked (``person_for``)
    that this young person is on the staff member's desk."""
    text = staff_words.clean(text)
    problem = staff_words.problem_with(text, CHANGE_LIMIT, _("Please write what changed first."))
    if problem:
        return Outcome(False, problem)
    checkin = await session.get(CheckIn, checkin_id) if 0 < len(checkin_id) <= 32 else None
    if checkin is None or checkin.young_person_id != person.id:
        return Outcome(False, None)
    await staff_words.write(session, vault, Change, staff=staff, person=person,
                            checkin_id=checkin.id, text=text, now=now,
                            action="desk.change_recorded", kind="you_said", say=change_text)
    return Outcome(True)


async def changes_to_show(session: AsyncSession, vault: Vault, person: YoungPerson,
                          now: datetime) -> list[str]:
    """Changes not yet shown to a young person on the web, oldest first; marked shown."""
    return await staff_words.to_show(session, vault, Change, person, now, change_text,
                                     nobody=_("Your keyworker"))


async def changes_by_checkin(session: AsyncSession, vault: Vault,
                             person: YoungPerson) -> dict[str, list[str]]:
    """For the desk's timeline: what was recorded against each check-in."""
    out: dict[str, list[str]] = {}
    for row in (await session.scalars(
            select(Change).where(Change.young_person_id == person.id)
            .order_by(Change.created_at))).all():
        if row.checkin_id:
            out.setdefault(row.checkin_id, []).append(
                await vault.open(session, person.id, "changes", row.id, row.body_ct))
    return out


async def checkins_with_a_change(session: AsyncSession, service_id: str, start: datetime,
                                 end: datetime) -> int:
    """How many check-ins made between ``start`` and ``end`` led to a recorded change.
    A total: nothing here says whose."""
    return int(await session.scalar(
        select(func.count(func.distinct(Change.checkin_id)))
        .join(CheckIn, CheckIn.id == Change.checkin_id)
        .join(YoungPerson, YoungPerson.id == CheckIn.young_person_id)
        .where(YoungPerson.service_id == service_id, CheckIn.created_at >= start,
               CheckIn.created_at < end)) or 0)


async def changes_in_months(session: AsyncSession, service_id: str, timezone: str,
                            first: str, last: str) -> int:
    """``checkins_with_a_change`` for whole months "YYYY-MM" to "YYYY-MM", in the
    service's timezone (the KPI page's range)."""
    tz = ZoneInfo(timezone)
    start = datetime.combine(date.fromisoformat(first + "-01"), time.min, tz)
    end_month = date.fromisoformat(last + "-01")
    after = date(end_month.year + end_month.month // 12, end_month.month % 12 + 1, 1)
    return await checkins_with_a_change(session, service_id, start,
                                        datetime.combine(after, time.min, tz))


# -- unit-wide notes ----------------------------------------------------------------------


_WORDS = re.compile(r"[^\w]+")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"\s+", " ", text)


async def names_in(session: AsyncSession, vault: Vault, service_id: str, text: str) -> list[str]:
    """Nicknames of this service's young people that the text contains as a word."""
    folded = " " + _WORDS.sub(" ", _fold(text)) + " "
    found = []
    for person in (await session.scalars(
            select(YoungPerson).where(YoungPerson.service_id == service_id))).all():
        try:
            nickname = await vault.open(session, person.id, "young_people", person.id,
                                        person.nickname_ct)
        except KeyErased:
            continue
        word = _WORDS.sub(" ", _fold(str(nickname))).strip()
        if word and f" {word} " in folded:
            found.append(str(nickname))
    return found


async def units_of(session: AsyncSession, service_id: str) -> list[str]:
    return [u for u in (await session.scalars(
        select(YoungPerson.unit).where(YoungPerson.service_id == service_id,
                                       YoungPerson.unit.is_not(None))
        .distinct().order_by(YoungPerson.unit))).all() if u]


async def post_unit_note(session: AsyncSession, vault: Vault, staff: Staff, unit: str | None,
                         text: str, now: datetime) -> Outcome:
    """A lead's note for one unit (or the whole service). Refused, kindly, if it names
    one of the service's young people: these notes are about everyone."""
    if staff.role not in LEAD_ROLES:
        return Outcome(False, None)
    text = staff_words.clean(text)
    problem = staff_words.problem_with(text, NOTE_LIMIT, _("Please write what changed first."))
    if problem:
        return Outcome(False, problem)
    if unit and unit not in await units_of(session, staff.service_id):
        return Outcome(False, _("There is no unit called {unit}.").format(unit=unit))
    if await names_in(session, vault, staff.service_id, text):
        return Outcome(False, _("This note names a young person. Notes for a whole unit must "
                                "not name anyone: write about what changed for everyone."))
    note = UnitNote(service_id=staff.service_id, unit=unit or None, staff_id=staff.id,
                    created_at=now, body=text)
    session.add(note)
    await session.flush()
    audit(session, at=now, actor_kind="staff", actor_id=staff.id, action="unit_note.posted",
          detail=note.id)
    return Outcome(True)


async def remove_unit_note(session: AsyncSession, staff: Staff, note_id: str,
                           now: datetime) -> bool:
    note = await session.get(UnitNote, note_id) if 0 < len(note_id) <= 32 else None
    if note is None or note.service_id != staff.service_id or staff.role not in LEAD_ROLES \
            or note.removed_at is not None:
        return False
    note.removed_at = now
    audit(session, at=now, actor_kind="staff", actor_id=staff.id, action="unit_note.removed",
          detail=note.id)
    return True


async def service_notes(session: AsyncSession, service_id: str) -> list[UnitNote]:
    return list((await session.scalars(
        select(UnitNote).where(UnitNote.service_id == service_id, UnitNote.removed_at.is_(None))
        .order_by(UnitNote.created_at.desc()).limit(50))).all())


async def notes_for(session: AsyncSession, person: YoungPerson, now: datetime) -> list[UnitNote]:
    """The notes a young person sees: their unit's and the whole service's, newest first."""
    unit = (UnitNote.unit.is_(None) | (UnitNote.unit == person.unit) if person.unit
            else UnitNote.unit.is_(None))
    return list((await session.scalars(
        select(UnitNote).where(UnitNote.service_id == person.service_id,
                               UnitNote.removed_at.is_(None), unit,
                               UnitNote.created_at >= now - NOTES_FOR)
        .order_by(UnitNote.created_at.desc()).limit(NOTES_SHOWN))).all())
