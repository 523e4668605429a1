"""Placements: the next home, its welcome booklet, and a young person's move to it.

A placement belongs to a service and is looked after by placement staff (role
``placement``, linked in ``placement_staff``). Its booklet has versions: one draft
being edited, one published (the only one young people ever see), older ones archived
and restorable. A keyworker plans a move (``plan_move``); from then until the move
happens or is cancelled, the young person can read the published booklet
(``current_move`` is the one question every young-person view asks).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import N_, _
from domain.staff import keyworker_of
from storage.models import (
    BookletVersion,
    Placement,
    PlacementMove,
    PlacementStaff,
    Staff,
    YoungPerson,
)
from storage.repositories import audit
from storage.vault import KeyErased, Vault

MOVES = "placement_moves"
NOTE_LIMIT = 600
PLANNED, MOVED, CANCELLED = "planned", "moved", "cancelled"
DRAFT, PUBLISHED, ARCHIVED = "draft", "published", "archived"

# The booklet's sections, in the default order (staff may reorder them). Titles are
# what a young person reads.
SECTIONS: dict[str, str] = {
    "welcome": N_("Welcome"),
    "bedroom": N_("Your bedroom"),
    "house": N_("The house"),
    "people": N_("The people who work here"),
    "day": N_("A day here"),
    "food": N_("Food"),
    "rules": N_("House rules"),
    "area": N_("The local area"),
    "bring": N_("What to bring"),
    "worried": N_("Who to talk to if you are worried"),
}
# What a young person is shown first, in this order, before anything else in the booklet.
YOUNG_PERSON_FIRST = ("bedroom", "house", "people", "day", "bring")


class PlacementError(ValueError):
    """Something staff asked for cannot be done; the message says why, plainly."""


@dataclass(frozen=True)
class PlannedMove:
    move: PlacementMove
    placement: Placement


def can_manage_placement(staff: Staff) -> bool:
    return staff.active and staff.role == "placement"


async def placements_of(session: AsyncSession, staff: Staff) -> list[Placement]:
    """The placements this placement staff member looks after."""
    if not can_manage_placement(staff):
        return []
    return list((await session.scalars(
        select(Placement).join(PlacementStaff, PlacementStaff.placement_id == Placement.id)
        .where(PlacementStaff.staff_id == staff.id, Placement.service_id == staff.service_id)
        .order_by(Placement.name)
    )).all())


async def placement_for(session: AsyncSession, staff: Staff, placement_id: str) -> Placement | None:
    """The placement, if ``staff`` looks after it; else None."""
    if not can_manage_placement(staff) or not placement_id or len(placement_id) > 32:
        return None
    link = await session.get(PlacementStaff, (placement_id, staff.id))
    placement = await session.get(Placement, placement_id) if link else None
    if placement is None or placement.service_id != staff.service_id:
        return None
    return placement


async def create_placement(session: AsyncSession, staff: Staff, *, name: str, kind: str,
                           description: str, now: datetime) -> Placement:
    """A new placement in the staff member's service, looked after by them."""
    placement = Placement(service_id=staff.service_id, name=name, kind=kind,
                          description=description, created_at=now, updated_at=now)
    session.add(placement)
    await session.flush()
    session.add(PlacementStaff(placement_id=placement.id, staff_id=staff.id))
    return placement


def update_profile(placement: Placement, *, name: str, kind: str, description: str,
                   now: datetime) -> None:
    """A placement's name, kind and description (the caller has ``placement_for``)."""
    placement.name, placement.kind = name, kind
    placement.description = description
    placement.updated_at = now


async def service_placements(session: AsyncSession, service_id: str) -> list[Placement]:
    return list((await session.scalars(
        select(Placement).where(Placement.service_id == service_id).order_by(Placement.name)
    )).all())


async def published_version(session: AsyncSession, placement_id: str) -> BookletVersion | None:
    return await session.scalar(
        select(BookletVersion)
        .where(BookletVersion.placement_id == placement_id, BookletVersion.state == PUBLISHED)
        .limit(1)
    )


async def current_move(session: AsyncSession, young_person_id: str) -> PlannedMove | None:
    """The young person's planned move (not yet made, not cancelled), or None."""
    row = await session.execute(
        select(PlacementMove, Placement)
        .join(Placement, Placement.id == PlacementMove.placement_id)
        .where(PlacementMove.young_person_id == young_person_id,
               PlacementMove.state == PLANNED)
        .order_by(PlacementMove.created_at.desc())
        .limit(1)
    )
    found = row.first()
    return PlannedMove(found[0], found[1]) if found else None


async def move_note(session: AsyncSession, vault: Vault, move: PlacementMove) -> str | None:
    """The keyworker's personal note for the young person, opened (None if none/erased)."""
    if move.note_ct is None:
        return None
    try:
        return await vault.open(session, move.young_person_id, MOVES, move.id, move.note_ct)
    except KeyErased:
        return None


async def plan_move(
    session: AsyncSession,
    vault: Vault,
    *,
    by: Staff,
    young_person_id: str,
    placement_id: str,
    move_date: date,
    note: str,
    now: datetime,
    to_keyworker_id: str | None = None,
) -> PlacementMove:
    """A keyworker plans their young person's move. Any earlier planned move is
    replaced (cancelled). Telling the young person is ``domain.moves.tell_planned``."""
    person = await keyworker_of(session, by, young_person_id)
    if person is None:
        raise PlacementError(_("Only this young person's keyworker can plan their move."))
    placement = await session.get(Placement, placement_id) if len(placement_id or "") <= 32 else None
    if placement is None or placement.service_id != person.service_id:
        raise PlacementError(_("Please choose one of this service's placements."))
    if move_date < now.date():
        raise PlacementError(_("That move date has already passed. Please choose another."))
    note = (note or "").strip()
    if len(note) > NOTE_LIMIT:
        raise PlacementError(_("The note is too long (at most {n} characters).")
                             .format(n=NOTE_LIMIT))
    to_keyworker = None
    if to_keyworker_id:
        to_keyworker = await session.get(Staff, to_keyworker_id) if len(to_keyworker_id) <= 32 else None
        if (to_keyworker is None or not to_keyworker.active or to_keyworker.role != "keyworker"
                or to_keyworker.service_id != person.service_id):
            raise PlacementError(_("The new keyworker must be an active keyworker of this service."))
    earlier = await current_move(session, person.id)
    if earlier is not None:
        earlier.move.state = CANCELLED
        earlier.move.cancelled_at = now
    move = PlacementMove(
        young_person_id=person.id, placement_id=placement.id, from_keyworker_id=by.id,
        to_keyworker_id=to_keyworker.id if to_keyworker else None, move_date=move_date,
        state=PLANNED, created_at=now,
    )
    session.add(move)
    await session.flush()
    if note:
        try:
            move.note_ct = await vault.seal(session, person.id, MOVES, move.id, note)
        except KeyErased:
            raise PlacementError(_("This young person's data was erased.")) from None
    audit(session, at=now, actor_kind="staff", actor_id=by.id, action="placement_move.planned",
          young_person_id=person.id, detail=f"{move.id} placement={placement.id} on={move_date}")
    return move


async def cancel_move(
    session: AsyncSession, *, by: Staff, young_person_id: str, now: datetime
) -> bool:
    person: YoungPerson | None = await keyworker_of(session, by, young_person_id)
    if person is None:
        raise PlacementError(_("Only this young person's keyworker can change their move."))
    planned = await current_move(session, person.id)
    if planned is None:
        return False
    planned.move.state = CANCELLED
    planned.move.cancelled_at = now
    audit(session, at=now, actor_kind="staff", actor_id=by.id, action="placement_move.cancelled",
          young_person_id=person.id, detail=planned.move.id)
    return True
