"""Account actions from the desk's lead and admin pages: deactivate a staff member,
reset a password, hand a young person over to a new keyworker, put someone on call.

Each checks that every id from the web belongs to the acting staff member's service
(anything else is ``NotInService``: the web answers 404 and audits it) and then calls
the very function the command line calls, with ``by=actor``: one rule for each job.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import admin, handover, staff_accounts
from domain.desk import nickname_of
from storage.models import Service, Staff, YoungPerson
from storage.repositories import audit
from storage.vault import Vault
from domain.safeguarding_admin import set_on_call as cli_set_on_call


class NotInService(Exception):
    """The id is not a staff member / young person of the actor's service."""


async def staff_of(session: AsyncSession, actor: Staff, staff_id: str) -> Staff:
    member = await session.get(Staff, staff_id) if 0 < len(staff_id) <= 32 else None
    if member is None or member.service_id != actor.service_id:
        raise NotInService(staff_id[:32])
    return member


async def person_of(session: AsyncSession, actor: Staff, person_id: str) -> YoungPerson:
    person = await session.get(YoungPerson, person_id) if 0 < len(person_id) <= 32 else None
    if person is None or person.service_id != actor.service_id:
        raise NotInService(person_id[:32])
    return person


async def members(session: AsyncSession, actor: Staff) -> list[Staff]:
    """Everyone on the staff of the actor's service, by name."""
    return list((await session.scalars(
        select(Staff).where(Staff.service_id == actor.service_id).order_by(Staff.name))).all())


async def people_to_assign(session: AsyncSession, vault: Vault,
                           actor: Staff) -> list[tuple[str, str, str | None]]:
    """(id, nickname, keyworker id) of the service's young people, for assigning;
    anyone whose data is erased is left out."""
    rows = (await session.scalars(
        select(YoungPerson).where(YoungPerson.service_id == actor.service_id))).all()
    out = []
    for person in rows:
        nickname = await nickname_of(session, vault, person)
        if nickname is not None:
            out.append((person.id, nickname, person.keyworker_id))
    return sorted(out, key=lambda p: p[1].lower())


async def create_staff(session: AsyncSession, actor: Staff, *, name: str, email: str,
                       role: str, now: datetime) -> dict[str, object]:
    """``domain.admin.create_staff`` in the actor's own service, audited as theirs."""
    service = await session.get(Service, actor.service_id)
    assert service is not None
    made = await admin.create_staff(session, service_name=service.name, name=name, email=email,
                                    role=role, now=now, bot_username=None)
    audit(session, at=now, actor_kind="staff", actor_id=actor.id,
          action="staff.created_on_desk", detail=str(made["staff_id"]))
    return made


async def deactivate_staff(session: AsyncSession, actor: Staff, staff_id: str,
                           now: datetime) -> dict[str, object]:
    """``domain.staff_accounts.deactivate_staff`` for a member of the actor's service."""
    member = await staff_of(session, actor, staff_id)
    return await staff_accounts.deactivate_staff(session, email=member.email, now=now, by=actor)


async def reset_password(session: AsyncSession, actor: Staff, staff_id: str,
                         now: datetime) -> dict[str, object]:
    """``domain.staff_accounts.reset_password``: a one-time password, shown once."""
    member = await staff_of(session, actor, staff_id)
    return await staff_accounts.reset_password(session, email=member.email, now=now, by=actor)


async def assign_keyworker(
    session: AsyncSession, vault: Vault, actor: Staff, person_id: str, staff_id: str, *,
    note: str, hello: str | None, photo: bytes | None, now: datetime,
) -> dict[str, object]:
    """``domain.handover.assign_keyworker``: the new keyworker sees the whole history at
    once, the old one loses access at their next request, the young person is told."""
    person = await person_of(session, actor, person_id)
    keyworker = await staff_of(session, actor, staff_id)
    return await handover.assign_keyworker(
        session, vault, young_person_id=person.id, keyworker_email=keyworker.email, note=note,
        hello=hello, photo=photo, now=now, by=actor)


async def set_on_call(session: AsyncSession, actor: Staff, staff_id: str, on: bool,
                      now: datetime) -> Staff:

    member = await staff_of(session, actor, staff_id)
    if not member.active:
        raise NotInService(staff_id[:32])
    await cli_set_on_call(session, member.email, on, now)
    audit(session, at=now, actor_kind="staff", actor_id=actor.id,
          action="staff.on_call" if on else "staff.off_call", detail=member.id)
    return member
