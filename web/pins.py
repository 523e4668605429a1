"""PINs for the web check-in: setting one, checking one, and locking after too many
wrong tries.

A PIN is 4 digits, or 4 of 9 pictures in order (stored as the pictures' numbers).
Only an argon2id hash is kept: memory-hard, so a stolen table is slow to guess.
Checking runs in a thread because argon2 is deliberately slow.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.i18n import _, use_locale
from outbox.message import Message
from outbox.queue import NORMAL
from outbox.routes import Email, routes_of, tell_staff
from storage.models import Staff, Tablet, WebLogin, YoungPerson
from storage.repositories import audit, hash_code
from storage.vault import Vault

KINDS = ("digits", "pictures")
PIN_LENGTH = 4
PICTURES = ("sun", "moon", "star", "heart", "tree", "fish", "house", "flower", "ball")
MAX_TRIES = 5
LOCK_FOR = timedelta(minutes=15)
# A shared tablet may see many people's mistakes, so it allows more before it
# stops taking PINs for a while; this still stops anyone trying PIN after PIN.
TABLET_MAX_TRIES = 20
_DIGITS = re.compile(r"^[0-9]{4}$")
_PICTURES = re.compile(r"^[1-9]{4}$")
_hasher = PasswordHasher()


def valid_pin(kind: str, pin: str) -> bool:
    return kind in KINDS and bool((_DIGITS if kind == "digits" else _PICTURES).match(pin))


def _material(kind: str, pin: str) -> str:
    return f"{kind}:{pin}"


async def hash_pin(kind: str, pin: str) -> str:
    return await asyncio.to_thread(_hasher.hash, _material(kind, pin))


async def pin_matches(login: WebLogin, pin: str) -> bool:
    def verify() -> bool:
        try:
            return _hasher.verify(login.pin_hash, _material(login.pin_kind, pin))
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)


def new_link_code() -> str:
    # 64 bits: short enough to copy by hand, and the PIN and lock-out stand behind it.
    return secrets.token_urlsafe(8)


async def set_pin(
    session: AsyncSession, vault: Vault, person: YoungPerson, kind: str, pin: str, now: datetime
) -> str:
    """Set (or reset) a young person's PIN; returns their new personal link code."""
    code = new_link_code()
    link_ct = await vault.seal(session, person.id, "web_logins", person.id, code)
    login = await session.get(WebLogin, person.id)
    pin_hash = await hash_pin(kind, pin)
    if login is None:
        session.add(WebLogin(
            young_person_id=person.id, link_hash=hash_code(code), link_ct=link_ct,
            pin_hash=pin_hash, pin_kind=kind, failed_attempts=0, created_at=now, updated_at=now,
        ))
    else:
        login.link_hash, login.link_ct = hash_code(code), link_ct
        login.pin_hash, login.pin_kind = pin_hash, kind
        login.failed_attempts, login.locked_until, login.updated_at = 0, None, now
    audit(session, at=now, actor_kind="young_person", actor_id=person.id, action="web.pin_set",
          young_person_id=person.id)
    return code


async def personal_link_code(session: AsyncSession, vault: Vault, login: WebLogin) -> str:
    return str(await vault.open(session, login.young_person_id, "web_logins",
                                login.young_person_id, login.link_ct))


@dataclass
class Attempt:
    ok: bool
    locked_until: datetime | None = None  # set when the link (or tablet) is locked
    tablet_locked: bool = False


def is_locked(login: WebLogin, now: datetime) -> bool:
    return login.locked_until is not None and login.locked_until > now


def tablet_locked(tablet: Tablet, now: datetime) -> bool:
    return tablet.locked_until is not None and tablet.locked_until > now


async def try_pin(
    session: AsyncSession,
    vault: Vault,
    login: WebLogin,
    pin: str,
    now: datetime,
    *,
    tablet: Tablet | None = None,
) -> Attempt:
    """Check a PIN, counting wrong ones per link and per tablet."""
    # Take the rows' locks first (PostgreSQL; SQLite's single writer does the same):
    # parallel guesses on one link then queue and each sees the last one's count,
    # instead of all reading 0 and slipping past the limit together.
    await session.refresh(login, with_for_update=True)
    if tablet is not None:
        await session.refresh(tablet, with_for_update=True)
    if tablet is not None and tablet_locked(tablet, now):
        return Attempt(ok=False, locked_until=tablet.locked_until, tablet_locked=True)
    if is_locked(login, now):
        return Attempt(ok=False, locked_until=login.locked_until)
    if await pin_matches(login, pin):
        login.failed_attempts = 0
        return Attempt(ok=True)
    login.failed_attempts += 1
    if tablet is not None:
        _count_on_tablet(session, tablet, now)
    if login.failed_attempts >= MAX_TRIES:
        login.failed_attempts = 0
        login.locked_until = now + LOCK_FOR
        await _tell_keyworker_of_lock(session, vault, login.young_person_id, now)
        return Attempt(ok=False, locked_until=login.locked_until)
    if tablet is not None and tablet_locked(tablet, now):
        return Attempt(ok=False, locked_until=tablet.locked_until, tablet_locked=True)
    return Attempt(ok=False)


def _count_on_tablet(session: AsyncSession, tablet: Tablet, now: datetime) -> None:
    if tablet.window_start is None or now - tablet.window_start > LOCK_FOR:
        tablet.window_start, tablet.failed_attempts = now, 0
    tablet.failed_attempts += 1
    if tablet.failed_attempts >= TABLET_MAX_TRIES:
        tablet.locked_until = now + LOCK_FOR
        tablet.window_start, tablet.failed_attempts = None, 0
        audit(session, at=now, actor_kind="system", actor_id=None, action="web.tablet_locked",
              detail=tablet.id)


async def keyworker_told(session: AsyncSession, person: YoungPerson) -> bool:
    """Whether a lock-out notice reaches their keyworker by any route."""
    staff = await session.get(Staff, person.keyworker_id) if person.keyworker_id else None
    return staff is not None and bool(routes_of(staff))


async def _tell_keyworker_of_lock(
    session: AsyncSession, vault: Vault, person_id: str, now: datetime
) -> None:
    person = await session.get(YoungPerson, person_id)
    assert person is not None
    audit(session, at=now, actor_kind="system", actor_id=None, action="web.pin_locked",
          young_person_id=person_id)
    if not await keyworker_told(session, person):
        return
    staff = await session.get(Staff, person.keyworker_id)
    assert staff is not None
    nickname = await vault.open(session, person_id, "young_people", person_id, person.nickname_ct)
    command = f"python run.py admin reset-pin --young-person {person_id}"
    with use_locale(staff.locale):
        text = _(
            "{nickname} typed a wrong PIN 5 times, so their web check-in is locked for "
            "15 minutes. If it wasn't them, or they have forgotten their PIN, a new link "
            "and PIN can be made with: {command}"
        ).format(nickname=nickname, command=command)
        # Email names no young person: only the id the command needs.
        email = Email(
            subject=_("A web check-in is locked for 15 minutes"),
            text=_("A young person you key-work typed a wrong PIN 5 times, so their web "
                   "check-in is locked for 15 minutes. If it wasn't them, or they have "
                   "forgotten their PIN, a new link and PIN can be made with: {command}"
                   ).format(command=command))
    routes = await tell_staff(session, vault, staff, telegram=Message(text=text), email=email,
                              kind="pin_locked", now=now, key_owner=person_id, priority=NORMAL)
    audit(session, at=now, actor_kind="staff", actor_id=staff.id,
          action="web.pin_locked.sent_to_keyworker", young_person_id=person_id,
          detail="via=" + "+".join(routes))
