"""Setting a service up: services, staff and young people, with their one-time links."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from argon2 import PasswordHasher
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Service, Staff, YoungPerson, new_id
from storage.repositories import audit, issue_code, service_by_name, staff_by_email
from storage.vault import Vault

ROLES = ("keyworker", "placement", "lead", "admin")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Links in an invitation stay valid for a fortnight; a new one can always be made.
LINK_LIFETIME = timedelta(days=14)
_hasher = PasswordHasher()


class AdminError(Exception):
    """A set-up request that cannot be done as asked; the message says why."""


def telegram_link(bot_username: str | None, code: str) -> str | None:
    return f"https://t.me/{bot_username}?start={code}" if bot_username else None


async def create_service(
    session: AsyncSession, *, name: str, timezone: str, now: datetime
) -> Service:
    name = name.strip()
    if not name:
        raise AdminError("a service needs a name")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise AdminError(f"unknown timezone {timezone!r}") from None
    if await service_by_name(session, name):
        raise AdminError(f"a service called {name!r} already exists")
    service = Service(id=new_id(), name=name, timezone=timezone, created_at=now)
    session.add(service)
    audit(session, at=now, actor_kind="operator", actor_id=None, action="service.created",
          detail=service.id)
    return service


async def require_service(session: AsyncSession, name: str) -> Service:
    service = await service_by_name(session, name)
    if service is None:
        raise AdminError(f"no service called {name!r} (create it with: admin create-service)")
    return service


async def create_staff(
    session: AsyncSession,
    *,
    service_name: str,
    name: str,
    email: str,
    role: str,
    now: datetime,
    bot_username: str | None,
) -> dict[str, object]:
    service = await require_service(session, service_name)
    email = email.strip().lower()
    if role not in ROLES:
        raise AdminError(f"role must be one of: {', '.join(ROLES)}")
    if not _EMAIL.match(email):
        raise AdminError(f"{email!r} does not look like an email address")
    if not name.strip():
        raise AdminError("a staff member needs a name")
    if await staff_by_email(session, email):
        raise AdminError(f"{email} is already registered")
    password = secrets.token_urlsafe(12)
    staff = Staff(
        id=new_id(), service_id=service.id, name=name.strip(), email=email, role=role,
        password_hash=_hasher.hash(password), locale="en", active=True, created_at=now,
        must_change_password=True,  # the printed password only opens the "choose your own" page
    )
    session.add(staff)
    code = await issue_code(session, purpose="telegram", subject_kind="staff",
                            subject_id=staff.id, now=now, expires_at=now + LINK_LIFETIME)
    audit(session, at=now, actor_kind="operator", actor_id=None, action="staff.created",
          detail=staff.id)
    return {
        "staff_id": staff.id,
        "email": email,
        "password": password,
        "telegram_link": telegram_link(bot_username, code),
    }


async def create_young_person(
    session: AsyncSession,
    vault: Vault,
    *,
    service_name: str,
    keyworker_email: str,
    nickname: str,
    now: datetime,
    bot_username: str | None,
    public_url: str,
    locale: str = "en",
    unit: str | None = None,
) -> dict[str, object]:
    service = await require_service(session, service_name)
    keyworker = await staff_by_email(session, keyworker_email)
    if keyworker is None or keyworker.service_id != service.id:
        raise AdminError(f"no staff member {keyworker_email!r} in {service.name}")
    nickname = nickname.strip()
    if not nickname or len(nickname) > 40:
        raise AdminError("a nickname is 1 to 40 characters")
    person_id = new_id()
    await vault.create(session, person_id)
    person = YoungPerson(
        id=person_id,
        service_id=service.id,
        keyworker_id=keyworker.id,
        nickname_ct=await vault.seal(session, person_id, "young_people", person_id, nickname),
        locale=locale,
        paused=False,
        created_at=now,
        unit=(unit or "").strip() or None,
    )
    session.add(person)
    tg_code = await issue_code(session, purpose="telegram", subject_kind="young_person",
                               subject_id=person_id, now=now, expires_at=now + LINK_LIFETIME)
    web_code = await issue_code(session, purpose="web", subject_kind="young_person",
                                subject_id=person_id, now=now, expires_at=now + LINK_LIFETIME)
    audit(session, at=now, actor_kind="operator", actor_id=None, action="young_person.created",
          young_person_id=person_id)
    return {
        "young_person_id": person_id,
        "invite_code": tg_code,
        "telegram_link": telegram_link(bot_username, tg_code),
        "web_link": f"{public_url}/j/{web_code}",
    }


async def erase_young_person(session: AsyncSession, vault: Vault, person_id: str,
                             now: datetime) -> None:
    """Erase everything a young person said by deleting their data key.

    Rows stay (so counts and KPI totals are unchanged) but can never be read again,
    in this database or in any backup of it. Everything that would still let anyone
    reach them — links, PIN, sessions, a place on a unit tablet, a half-finished
    check-in, messages not yet sent — goes too.
    """
    from sqlalchemy import delete, update

    from storage.models import FlowState, InviteCode, OutboxMessage, WebLogin, WebSession

    person = await session.get(YoungPerson, person_id)
    if person is None:
        raise AdminError(f"no young person {person_id!r}")
    await vault.erase(session, person_id)
    person.telegram_user_id = None
    person.telegram_chat_id = None
    person.unit = None
    await session.execute(delete(WebSession).where(WebSession.young_person_id == person_id))
    await session.execute(delete(WebLogin).where(WebLogin.young_person_id == person_id))
    await session.execute(delete(FlowState).where(FlowState.owner == person_id))
    await session.execute(delete(InviteCode).where(InviteCode.subject_id == person_id,
                                                   InviteCode.used_at.is_(None)))
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.key_owner == person_id, OutboxMessage.status == "pending")
        .values(status="cancelled", last_error="the young person's data was erased")
    )
    audit(session, at=now, actor_kind="operator", actor_id=None, action="young_person.erased",
          young_person_id=person_id)
