"""Setting a service up: services, staff and young people, with their one-time links."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from argon2 import PasswordHasher
from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain import buddies
from domain.assignments import start_assignment
from domain.staff import KEYWORKING_ROLES
from storage.db import Database
from storage.models import (
    DataRequest,
    FlowState,
    InviteCode,
    OutboxMessage,
    Reminder,
    Service,
    Staff,
    StaffService,
    WebLogin,
    WebSession,
    YoungPerson,
    new_id,
)
from storage.repositories import audit, issue_code, service_by_name, staff_by_email
from storage.vault import Vault
from storage.rotation import schedule_retirement

ROLES = ("keyworker", "placement", "lead", "commissioner", "admin")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Links in an invitation stay valid for a fortnight; a new one can always be made.
LINK_LIFETIME = timedelta(days=14)
_hasher = PasswordHasher()


class AdminError(Exception):
    """A set-up request that cannot be done as asked; the message says why."""


def hash_password(password: str) -> str:
    """argon2id, the one way staff passwords are stored."""
    return _hasher.hash(password)


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
    service_name: str | None,
    name: str,
    email: str,
    role: str,
    now: datetime,
    bot_username: str | None,
    no_email: bool = False,
    services: Sequence[str] = (),
) -> dict[str, object]:
    """``no_email``: this person must never be sent email (their choice is kept).
    ``services``: a commissioner's services (they see those services' totals only);
    the first is their home service unless ``service_name`` is given."""
    if role not in ROLES:
        raise AdminError(f"role must be one of: {', '.join(ROLES)}")
    if role == "commissioner" and not services:
        raise AdminError("a commissioner needs their services (--services A,B)")
    if role != "commissioner" and services:
        raise AdminError("only a commissioner is given several services")
    if role != "commissioner" and not service_name:
        raise AdminError("say which service (--service NAME)")
    seen = [await require_service(session, n.strip()) for n in services if n.strip()]
    given = list({s.id: s for s in seen}.values())
    if role == "commissioner" and not given:
        raise AdminError("a commissioner needs their services (--services A,B)")
    service = await require_service(session, service_name) if service_name else given[0]
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise AdminError(f"{email!r} does not look like an email address")
    if not name.strip():
        raise AdminError("a staff member needs a name")
    if await staff_by_email(session, email):
        raise AdminError(f"{email} is already registered")
    password = secrets.token_urlsafe(12)
    staff = Staff(
        id=new_id(), service_id=service.id, name=name.strip(), email=email, role=role,
        password_hash=hash_password(password), locale="en", active=True, created_at=now,
        no_email=no_email,
        must_change_password=True,  # someone else has seen it
    )
    session.add(staff)
    for one in given:
        session.add(StaffService(staff_id=staff.id, service_id=one.id))
    code = await issue_code(session, purpose="telegram", subject_kind="staff",
                            subject_id=staff.id, now=now, expires_at=now + LINK_LIFETIME)
    audit(session, at=now, actor_kind="operator", actor_id=None, action="staff.created",
          detail=staff.id)
    return {
        "staff_id": staff.id,
        "email": email,
        **({"services": [s.name for s in given]} if given else {}),
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
    if not keyworker.active:
        raise AdminError(f"{keyworker.email} is deactivated and cannot be a keyworker")
    if keyworker.role not in KEYWORKING_ROLES:
        raise AdminError(f"{keyworker.email} is a {keyworker.role}; only keyworkers can key-work")
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
    await start_assignment(session, person, keyworker, now)
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


# An erasure is out of every backup once the KEKs that wrapped the key are retired.
RETIRE_WITHIN = timedelta(hours=24)


async def erase_young_person(session: AsyncSession, vault: Vault, person_id: str,
                             now: datetime, retire_within: timedelta = RETIRE_WITHIN,
                             *, by: Staff | None = None) -> None:
    """Erase everything a young person said by deleting their data key.

    Rows stay (so counts and KPI totals are unchanged) but can never be read again:
    in this database once ``erase_and_scrub`` has wiped the deleted key from its
    files, and in older backups once the retirement scheduled here has destroyed the
    master keys that wrapped it (docs/backups.md). Everything that would still let
    anyone reach them or tell who they were — links, PIN, sessions, a place on a unit
    tablet, their keyworker, reminders, requests about their data, a half-finished
    check-in, messages not yet sent, their Telegram chat id on messages already
    sent — goes too. Audit rows keep
    their facts (who did what, when) under the young person's random id, which after
    this leads to nobody (see docs/backups.md, "What erasure keeps").

    ``by``: the lead or admin whose decision this is (None: an operator at the CLI);
    the audit row names them.
    """
    person = await session.get(YoungPerson, person_id)
    if person is None:
        raise AdminError(f"no young person {person_id!r}")
    await vault.erase(session, person_id)
    await schedule_retirement(session, now, retire_within)
    chat_id = person.telegram_chat_id
    person.telegram_user_id = None
    person.telegram_chat_id = None
    person.unit = None
    person.keyworker_id = None
    await session.execute(delete(WebSession).where(WebSession.young_person_id == person_id))
    await session.execute(delete(WebLogin).where(WebLogin.young_person_id == person_id))
    await session.execute(delete(FlowState).where(FlowState.owner == person_id))
    await session.execute(delete(Reminder).where(Reminder.young_person_id == person_id))
    # Their requests about their data (the audit log keeps who decided what, and when).
    await session.execute(delete(DataRequest).where(DataRequest.young_person_id == person_id))
    await buddies.erase(session, person_id)
    await session.execute(delete(InviteCode).where(InviteCode.subject_kind == "young_person",
                                                   InviteCode.subject_id == person_id))
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.key_owner == person_id, OutboxMessage.status == "pending")
        .values(status="cancelled", last_error="the young person's data was erased")
    )
    if chat_id is not None:
        # Messages still waiting for their chat (a buddy's words, sealed with the
        # buddy's key) are not sent to an erased young person.
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.chat_id == chat_id, OutboxMessage.status == "pending")
            .values(status="cancelled", last_error="the young person's data was erased")
        )
        # Sent messages stay for delivery statistics, addressed to no one.
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.chat_id == chat_id).values(chat_id=0)
        )
    audit(session, at=now, actor_kind="staff" if by else "operator",
          actor_id=by.id if by else None, action="young_person.erased",
          young_person_id=person_id)


async def erase_and_scrub(db: Database, vault: Vault, person_id: str, now: datetime,
                          retire_within: timedelta = RETIRE_WITHIN) -> None:
    """Erase, commit, then wipe the deleted key from the database files, so no copy of
    them taken after this returns holds it. Running it again for the same young
    person only wipes again (for when the files were busy the first time)."""
    async with db.transaction() as session:
        await erase_young_person(session, vault, person_id, now, retire_within)
    await db.scrub_deleted_keys()
