"""Account actions from the desk's lead and admin pages: deactivate a staff member,
assign a young person's keyworker, put someone on call.

Each is one small function so the command line's versions can take their place in
one edit: on-call already calls the command line's own function. Every action is
checked against the acting staff member's service and audited with their id.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from flows.desk import KEYWORKING_ROLES
from storage.models import Staff, StaffSession, YoungPerson
from storage.repositories import audit


class NotInService(Exception):
    """The id is not a staff member / young person of the actor's service."""


async def _staff_of(session: AsyncSession, actor: Staff, staff_id: str) -> Staff:
    member = await session.get(Staff, staff_id) if 0 < len(staff_id) <= 32 else None
    if member is None or member.service_id != actor.service_id:
        raise NotInService(staff_id[:32])
    return member


async def deactivate_staff(session: AsyncSession, actor: Staff, staff_id: str,
                           now: datetime) -> Staff:
    """Sign-in refused from now on, every desk session ended, no alerts routed to them
    (alert circles take active staff only), their young people listed as needing a
    keyworker."""
    member = await _staff_of(session, actor, staff_id)
    if member.id == actor.id:
        raise NotInService(staff_id)  # nobody locks themselves out by a slip
    member.active = False
    member.on_call = False
    await session.execute(delete(StaffSession).where(StaffSession.staff_id == member.id))
    audit(session, at=now, actor_kind="staff", actor_id=actor.id, action="staff.deactivated",
          detail=member.id)
    return member


async def assign_keyworker(session: AsyncSession, actor: Staff, person_id: str, staff_id: str,
                           now: datetime) -> YoungPerson:
    """The new keyworker sees the whole history at once; the old one loses access at
    their next request (every page checks the assignment as it is now)."""
    person = await session.get(YoungPerson, person_id) if 0 < len(person_id) <= 32 else None
    if person is None or person.service_id != actor.service_id:
        raise NotInService(person_id[:32])
    keyworker = await _staff_of(session, actor, staff_id)
    if not keyworker.active or keyworker.role not in KEYWORKING_ROLES:
        raise NotInService(staff_id[:32])
    before = person.keyworker_id
    person.keyworker_id = keyworker.id
    audit(session, at=now, actor_kind="staff", actor_id=actor.id, action="young_person.assigned",
          young_person_id=person.id, detail=f"from={before} to={keyworker.id}")
    return person


async def set_on_call(session: AsyncSession, actor: Staff, staff_id: str, on: bool,
                      now: datetime) -> Staff:
    from flows.safeguarding_admin import set_on_call as cli_set_on_call

    member = await _staff_of(session, actor, staff_id)
    if not member.active:
        raise NotInService(staff_id[:32])
    await cli_set_on_call(session, member.email, on, now)
    audit(session, at=now, actor_kind="staff", actor_id=actor.id,
          action="staff.on_call" if on else "staff.off_call", detail=member.id)
    return member
