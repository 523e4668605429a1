"""PINs for the web check-in: setting one, checking one, locking after too many
wrong tries, and the personal link that goes with the PIN.

A PIN is 4 digits, or 4 of 9 pictures in order (stored as the pictures' numbers).
Only an argon2id hash is kept: memory-hard, so a stolen table is slow to guess.
Checking runs in a thread because argon2 is deliberately slow.

Slow guessing is stopped by rests that grow: 5 wrong PINs rest the link for 15
minutes, the next 5 for an hour, then 4 hours, then a day each time. The count goes
back to nothing only on the right PIN or a new PIN, never when a rest starts, so
someone guessing gets about 5 tries a day after the first few hours, not 480.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import _, ngettext, use_locale
from domain.invites import MAX_CODE_LENGTH, peek
from outbox.message import Message
from outbox.queue import NORMAL
from outbox.routes import Email, routes_of, tell_staff
from storage.models import Staff, Tablet, WebLogin, WebSession, YoungPerson
from storage.repositories import audit, hash_code
from storage.vault import Vault

KINDS = ("digits", "pictures")
PIN_LENGTH = 4
PICTURES = ("sun", "moon", "star", "heart", "tree", "fish", "house", "flower", "ball")
# Wrong PINs before each rest, and how long each rest is: the last one repeats.
MAX_TRIES = 5
RESTS = (timedelta(minutes=15), timedelta(hours=1), timedelta(hours=4), timedelta(hours=24))
# A shared tablet may see many people's mistakes, so it allows more before it
# stops taking PINs for a while; this still stops anyone trying PIN after PIN.
TABLET_MAX_TRIES = 20
TABLET_REST = timedelta(minutes=15)
_DIGITS = re.compile(r"^[0-9]{4}$")
_PICTURES = re.compile(r"^[1-9]{4}$")
_hasher = PasswordHasher()


# The 4-digit PINs people choose most often (after sequences and repeats, which
# too_easy() finds by their shape).
COMMON_DIGITS = frozenset({
    "1234", "0000", "1111", "2580", "1212", "7777", "1004", "2000", "4444", "2222", "6969",
    "9999", "3333", "5555", "6666", "1122", "1313", "8888", "4321", "2001", "1010",
})
# With JavaScript the 9 pictures are a 3 x 3 grid (numbered row by row): taps along
# one row, column or diagonal are a straight line anyone watching could repeat.
_GRID_LINES = tuple(frozenset(line) for line in (
    (1, 2, 3), (4, 5, 6), (7, 8, 9), (1, 4, 7), (2, 5, 8), (3, 6, 9), (1, 5, 9), (3, 5, 7),
))


def valid_pin(kind: str, pin: str) -> bool:
    return kind in KINDS and bool((_DIGITS if kind == "digits" else _PICTURES).match(pin))


def too_easy(kind: str, pin: str) -> bool:
    """A PIN that is among the first anyone would guess: all the same (1111), a
    repeat (1212, 1122), a run up or down (1234, 8901, 4321), a well-known one
    (2580, 1004) or, for pictures, all in one straight line of the grid."""
    d = [int(c) for c in pin]
    if len(set(d)) == 1 or (d[0] == d[2] and d[1] == d[3]) or (d[0] == d[1] and d[2] == d[3]):
        return True
    steps = {(b - a) % 10 for a, b in zip(d, d[1:], strict=False)}
    if kind == "digits":
        return steps in ({1}, {9}) or pin in COMMON_DIGITS
    if steps in ({1}, {9}):  # pictures next to each other in the row of nine
        return True
    return any(set(d) <= line for line in _GRID_LINES)


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


async def _sealed_link(
    session: AsyncSession, vault: Vault, person_id: str
) -> tuple[str, str, bytes]:
    """A new personal link code, its hash (to look it up) and itself sealed (to show
    it to them again)."""
    code = new_link_code()
    sealed = await vault.seal(session, person_id, "web_logins", person_id, code)
    return code, hash_code(code), sealed


async def set_pin(
    session: AsyncSession, vault: Vault, person: YoungPerson, kind: str, pin: str, now: datetime
) -> str:
    """Set (or reset) a young person's PIN; returns their new personal link code."""
    code, link_hash, link_ct = await _sealed_link(session, vault, person.id)
    login = await session.get(WebLogin, person.id)
    pin_hash = await hash_pin(kind, pin)
    if login is None:
        session.add(WebLogin(
            young_person_id=person.id, link_hash=link_hash, link_ct=link_ct,
            pin_hash=pin_hash, pin_kind=kind, failed_attempts=0, created_at=now, updated_at=now,
        ))
    else:
        login.link_hash, login.link_ct = link_hash, link_ct
        login.pin_hash, login.pin_kind = pin_hash, kind
        login.failed_attempts, login.locked_until, login.updated_at = 0, None, now
    audit(session, at=now, actor_kind="young_person", actor_id=person.id, action="web.pin_set",
          young_person_id=person.id)
    return code


async def rotate_personal_link(
    session: AsyncSession,
    vault: Vault,
    person_id: str,
    now: datetime,
    *,
    actor_kind: str,
    actor_id: str | None,
    keep_session: str | None = None,
) -> str | None:
    """Give a young person a new personal link (their PIN stays). The old link stops
    working at once, and every browser signed in as them is signed out except
    ``keep_session`` (the hash of the one asking, when it is the young person), so
    whoever had the old link has nothing left. Returns the new code, or None when
    they have no web sign-in yet (they need a set-up link instead).

    For the young person's own "get a new link" button and for staff (``admin
    new-link``)."""
    login = await session.get(WebLogin, person_id, with_for_update=True)
    if login is None:
        return None
    code, login.link_hash, login.link_ct = await _sealed_link(session, vault, person_id)
    # A new link nobody else holds: guesses at the old one no longer matter.
    login.failed_attempts, login.locked_until, login.updated_at = 0, None, now
    others = delete(WebSession).where(WebSession.young_person_id == person_id)
    if keep_session is not None:
        others = others.where(WebSession.id_hash != keep_session)
    await session.execute(others)
    audit(session, at=now, actor_kind=actor_kind, actor_id=actor_id,
          action="web.link_rotated", young_person_id=person_id)
    return code


async def setting_up(session: AsyncSession, code: str, now: datetime) -> YoungPerson | None:
    """The young person a one-time set-up link (still open) is for."""
    invite = await peek(session, code, purpose="web", now=now)
    return None if invite is None else await session.get(YoungPerson, invite.subject_id)


async def login_of(session: AsyncSession, person_id: str) -> WebLogin | None:
    """A young person's web sign-in (PIN and personal link), if they have one."""
    return await session.get(WebLogin, person_id)


async def login_by_link(session: AsyncSession, code: str) -> tuple[WebLogin, YoungPerson] | None:
    """The web sign-in a personal link code opens, and its young person."""
    if len(code) > MAX_CODE_LENGTH:
        return None
    login = await session.scalar(select(WebLogin).where(WebLogin.link_hash == hash_code(code)))
    if login is None:
        return None
    person = await session.get(YoungPerson, login.young_person_id)
    return None if person is None else (login, person)


async def personal_link_code(session: AsyncSession, vault: Vault, login: WebLogin) -> str:
    return str(await vault.open(session, login.young_person_id, "web_logins",
                                login.young_person_id, login.link_ct))


@dataclass
class Attempt:
    ok: bool
    locked_until: datetime | None = None  # set when the link (or tablet) is locked
    tablet_locked: bool = False


def rest_length(wrong: int) -> timedelta:
    """How long the link rests after ``wrong`` wrong PINs in a row (a multiple of 5)."""
    return RESTS[min(max(wrong // MAX_TRIES, 1), len(RESTS)) - 1]


def how_long(length: timedelta) -> str:
    """"15 minutes", "1 hour", "24 hours": rounded up, so a rest is never shorter
    than we say."""
    minutes = max(1, -(-int(length.total_seconds()) // 60))
    if minutes < 60:
        return ngettext("{n} minute", "{n} minutes", minutes).format(n=minutes)
    hours = -(-minutes // 60)
    return ngettext("{n} hour", "{n} hours", hours).format(n=hours)


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
    if login.failed_attempts % MAX_TRIES == 0:
        # The count carries on through the rest, so the next rest is longer.
        rest = rest_length(login.failed_attempts)
        login.locked_until = now + rest
        await _tell_keyworker_of_lock(session, vault, login.young_person_id,
                                      login.failed_attempts, rest, now)
        return Attempt(ok=False, locked_until=login.locked_until)
    if tablet is not None and tablet_locked(tablet, now):
        return Attempt(ok=False, locked_until=tablet.locked_until, tablet_locked=True)
    return Attempt(ok=False)


def _count_on_tablet(session: AsyncSession, tablet: Tablet, now: datetime) -> None:
    if tablet.window_start is None or now - tablet.window_start > TABLET_REST:
        tablet.window_start, tablet.failed_attempts = now, 0
    tablet.failed_attempts += 1
    if tablet.failed_attempts >= TABLET_MAX_TRIES:
        tablet.locked_until = now + TABLET_REST
        tablet.window_start, tablet.failed_attempts = None, 0
        audit(session, at=now, actor_kind="system", actor_id=None, action="web.tablet_locked",
              detail=tablet.id)


async def keyworker_told(session: AsyncSession, person: YoungPerson) -> bool:
    """Whether a lock-out notice reaches their keyworker by any route."""
    staff = await session.get(Staff, person.keyworker_id) if person.keyworker_id else None
    return staff is not None and bool(routes_of(staff))


async def _tell_keyworker_of_lock(
    session: AsyncSession, vault: Vault, person_id: str, wrong: int, rest: timedelta,
    now: datetime,
) -> None:
    person = await session.get(YoungPerson, person_id)
    assert person is not None
    audit(session, at=now, actor_kind="system", actor_id=None, action="web.pin_locked",
          young_person_id=person_id, detail=f"wrong:{wrong}")
    if not await keyworker_told(session, person):
        return
    staff = await session.get(Staff, person.keyworker_id)
    assert staff is not None
    nickname = await vault.open(session, person_id, "young_people", person_id, person.nickname_ct)
    command = f"python run.py admin reset-pin --young-person {person_id}"
    with use_locale(staff.locale):
        text = ngettext(
            "{nickname} typed a wrong PIN {n} time, so their web check-in is locked for "
            "{time}. If it wasn't them, or they have forgotten their PIN, a new link "
            "and PIN can be made with: {command}",
            "{nickname} typed a wrong PIN {n} times, so their web check-in is locked for "
            "{time}. If it wasn't them, or they have forgotten their PIN, a new link "
            "and PIN can be made with: {command}",
            wrong,
        ).format(nickname=nickname, n=wrong, time=how_long(rest), command=command)
        # Email names no young person: only the id the command needs.
        email = Email(
            subject=_("A web check-in is locked for {time}").format(time=how_long(rest)),
            text=ngettext(
                "A young person you key-work typed a wrong PIN {n} time, so their web "
                "check-in is locked for {time}. If it wasn't them, or they have forgotten "
                "their PIN, a new link and PIN can be made with: {command}",
                "A young person you key-work typed a wrong PIN {n} times, so their web "
                "check-in is locked for {time}. If it wasn't them, or they have forgotten "
                "their PIN, a new link and PIN can be made with: {command}",
                wrong,
            ).format(n=wrong, time=how_long(rest), command=command))
    routes = await tell_staff(session, vault, staff, telegram=Message(text=text), email=email,
                              kind="pin_locked", now=now, key_owner=person_id, priority=NORMAL)
    audit(session, at=now, actor_kind="staff", actor_id=staff.id,
          action="web.pin_locked.sent_to_keyworker", young_person_id=person_id,
          detail="via=" + "+".join(routes))
