"""Unit tablets: enrolling one (a one-time URL from the command line), recognising
it by the random token in its cookie, the faces on its start screen, and revoking it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.admin import AdminError, require_service
from domain.invites import peek, redeem
from storage.models import Tablet, WebLogin, WebSession, YoungPerson, new_id
from storage.repositories import audit, hash_code, issue_code
from storage.db import rows_changed
from storage.vault import KeyErased, Vault

ENROL_LIFETIME = timedelta(days=2)


async def create_enrolment(
    session: AsyncSession, *, service_name: str, unit: str, now: datetime, public_url: str
) -> dict[str, object]:
    service = await require_service(session, service_name)
    unit = unit.strip()
    if not unit or len(unit) > 100:
        raise AdminError("a unit name is 1 to 100 characters")
    tablet = Tablet(id=new_id(), service_id=service.id, unit=unit, created_at=now,
                    failed_attempts=0)
    session.add(tablet)
    code = await issue_code(session, purpose="tablet", subject_kind="tablet",
                            subject_id=tablet.id, now=now, expires_at=now + ENROL_LIFETIME)
    audit(session, at=now, actor_kind="operator", actor_id=None, action="tablet.created",
          detail=tablet.id)
    return {"tablet_id": tablet.id, "service": service.name, "unit": unit,
            "enrol_url": f"{public_url}/tablet/enrol/{code}"}


async def revoke(session: AsyncSession, tablet_id: str, now: datetime) -> dict[str, object]:
    tablet = await session.get(Tablet, tablet_id)
    if tablet is None:
        raise AdminError(f"no tablet {tablet_id!r}")
    tablet.revoked_at = now
    tablet.device_hash = None
    # Whoever is signed in on it now is signed out now: a tap after this stores nothing.
    ended = await session.execute(delete(WebSession).where(WebSession.tablet_id == tablet.id))
    audit(session, at=now, actor_kind="operator", actor_id=None, action="tablet.revoked",
          detail=tablet.id)
    return {"tablet_id": tablet.id, "revoked": True, "sessions_ended": rows_changed(ended)}


async def enrol(session: AsyncSession, code: str, now: datetime) -> str | None:
    """Redeem an enrolment code; returns the device token for the tablet's cookie."""
    invite = await redeem(session, code, purpose="tablet", now=now)
    if invite is None:
        return None
    tablet = await session.get(Tablet, invite.subject_id)
    if tablet is None or tablet.revoked_at is not None:
        return None
    token = secrets.token_urlsafe(32)
    tablet.device_hash = hash_code(token)
    tablet.enrolled_at = now
    audit(session, at=now, actor_kind="operator", actor_id=None, action="tablet.enrolled",
          detail=tablet.id)
    return token


async def enrolment_is_open(session: AsyncSession, code: str, now: datetime) -> bool:
    return await peek(session, code, purpose="tablet", now=now) is not None


async def tablet_for_token(session: AsyncSession, token: str | None) -> Tablet | None:
    if not token or len(token) > 100:
        return None
    tablet = await session.scalar(select(Tablet).where(Tablet.device_hash == hash_code(token)))
    return tablet if tablet is not None and tablet.revoked_at is None else None


@dataclass(frozen=True)
class Face:
    """A young person on the tablet's start screen."""

    person_id: str
    nickname: str
    has_pin: bool


async def unit_faces(session: AsyncSession, vault: Vault, tablet: Tablet) -> list[Face]:
    """The young people of the tablet's unit, and whether each has a PIN yet. Anyone
    whose data is erased is left out: nothing of theirs is shown, and the others
    still work."""
    rows = await session.execute(
        select(YoungPerson, WebLogin.young_person_id)
        .outerjoin(WebLogin, WebLogin.young_person_id == YoungPerson.id)
        .where(YoungPerson.service_id == tablet.service_id, YoungPerson.unit == tablet.unit)
    )
    faces = []
    for person, has_pin in rows.all():
        try:
            name = await nickname(session, vault, person)
        except KeyErased:
            continue
        faces.append(Face(person.id, name, has_pin is not None))
    return faces


async def person_on(
    session: AsyncSession, tablet: Tablet, person_id: str
) -> tuple[YoungPerson, WebLogin | None] | None:
    """A young person of the tablet's unit (None for anyone else), and their web
    sign-in if they have one."""
    person = await session.get(YoungPerson, person_id)
    if person is None or person.service_id != tablet.service_id or person.unit != tablet.unit:
        return None
    return person, await session.get(WebLogin, person.id)


async def nickname(session: AsyncSession, vault: Vault, person: YoungPerson) -> str:
    return str(await vault.open(session, person.id, "young_people", person.id,
                                person.nickname_ct))


async def set_unit(session: AsyncSession, person_id: str, unit: str | None,
                   now: datetime) -> dict[str, object]:
    person = await session.get(YoungPerson, person_id)
    if person is None:
        raise AdminError(f"no young person {person_id!r}")
    unit = (unit or "").strip() or None
    if unit is not None and len(unit) > 100:
        raise AdminError("a unit name is 1 to 100 characters")
    person.unit = unit
    audit(session, at=now, actor_kind="operator", actor_id=None, action="young_person.unit_set",
          young_person_id=person.id, detail=unit)
    return {"young_person_id": person.id, "unit": unit}
