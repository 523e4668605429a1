"""Staff signing in to the desk: passwords, slowing down guessers, lock-out, TOTP.

Channel-free: the web pages call these and render what they return.

- Passwords are argon2id; a hash made with older parameters is replaced on the next
  good sign-in (``check_needs_rehash``).
- Each failed attempt makes the next one wait longer, per account and per source
  address (1, 2, 4 ... 60 seconds). The wait is enforced by refusing early attempts,
  never by sleeping, so a guesser cannot hold a worker.
- Five failures in a row lock the account for 15 minutes, and the service's leads
  and admins are told.
- Leads and admins must use a second factor (TOTP); keyworkers may choose to.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import _, use_locale
from outbox.message import Message
from outbox.queue import URGENT, enqueue
from storage.models import SignInThrottle, Staff
from storage.repositories import audit, staff_by_email
from storage.vault import SYSTEM_OWNER, Vault

LOCK_AFTER = 5
LOCK_FOR = timedelta(minutes=15)
LONGEST_WAIT = 60
# Failures older than this no longer slow anyone down.
FORGET_AFTER = timedelta(minutes=15)
MIN_PASSWORD = 10
MAX_PASSWORD = 200
ROLES_NEEDING_TOTP = ("lead", "commissioner", "admin")
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """A hash to check unknown addresses against, so they take as long as known ones.
    Made on first use, not at import: argon2 takes 64 MiB and a moment for it, which
    every process (the bot, CLI commands) would otherwise pay at start."""
    return _hasher.hash("not a password anyone has")


@dataclass
class SignIn:
    outcome: str  # ok | wrong | wait | locked
    staff: Staff | None = None
    wait_seconds: int = 0


def wait_after(failures: int) -> int:
    """Seconds the next attempt must wait after ``failures`` in a row."""
    return 0 if failures <= 0 else min(2 ** (failures - 1), LONGEST_WAIT)


def source_hash(address: str | None) -> str:
    # Only a hash of the address is kept: enough to count, not to know who.
    return hashlib.sha256(f"heard-sign-in:{address or '?'}".encode()).hexdigest()


def _remaining(last: datetime | None, failures: int, now: datetime) -> int:
    if last is None or failures <= 0 or now - last > FORGET_AFTER:
        return 0
    left = (last + timedelta(seconds=wait_after(failures)) - now).total_seconds()
    return max(0, int(left + 0.999))


async def _verify(password_hash: str | None, password: str) -> bool:
    """``password_hash`` None: an unknown address, checked against a made-up hash so it
    takes as long (the made-up hash is made on the same worker thread, once)."""
    try:
        return await asyncio.to_thread(
            lambda: _hasher.verify(password_hash or _dummy_hash(), password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def sign_in(
    session: AsyncSession, vault: Vault, *, email: str, password: str, source: str | None,
    now: datetime,
) -> SignIn:
    throttle = await session.get(SignInThrottle, source_hash(source))
    wait = _remaining(throttle.last_failed_at if throttle else None,
                      throttle.failures if throttle else 0, now)
    staff = await staff_by_email(session, email[:320]) if email.strip() else None
    if staff is not None and staff.locked_until is not None and now < staff.locked_until:
        audit(session, at=now, actor_kind="staff", actor_id=staff.id, action="staff.sign_in_locked")
        return SignIn("locked", wait_seconds=int((staff.locked_until - now).total_seconds()))
    if staff is not None:
        wait = max(wait, _remaining(staff.last_failed_sign_in_at, staff.failed_sign_ins, now))
    if wait:
        return SignIn("wait", wait_seconds=wait)
    good = await _verify(staff.password_hash if staff else None, password[:MAX_PASSWORD])
    if staff is None or not good or not staff.active:
        await _count_failure(session, vault, staff, throttle, source, now)
        return SignIn("wrong")
    staff.failed_sign_ins, staff.last_failed_sign_in_at = 0, None
    staff.last_desk_sign_in_at = now
    if _hasher.check_needs_rehash(staff.password_hash):
        staff.password_hash = await asyncio.to_thread(_hasher.hash, password)
    audit(session, at=now, actor_kind="staff", actor_id=staff.id, action="staff.signed_in")
    return SignIn("ok", staff=staff)


async def _count_failure(
    session: AsyncSession, vault: Vault, staff: Staff | None, throttle: SignInThrottle | None,
    source: str | None, now: datetime,
) -> None:
    if throttle is None:
        session.add(SignInThrottle(source_hash=source_hash(source), failures=1, last_failed_at=now))
    else:
        stale = now - throttle.last_failed_at > FORGET_AFTER
        throttle.failures = 1 if stale else throttle.failures + 1
        throttle.last_failed_at = now
    if staff is None:
        return
    stale = (staff.last_failed_sign_in_at is not None
             and now - staff.last_failed_sign_in_at > FORGET_AFTER)
    staff.failed_sign_ins = 1 if stale else (staff.failed_sign_ins or 0) + 1
    staff.last_failed_sign_in_at = now
    audit(session, at=now, actor_kind="staff", actor_id=staff.id, action="staff.sign_in_failed",
          detail=f"in_a_row={staff.failed_sign_ins}")
    if staff.failed_sign_ins >= LOCK_AFTER:
        staff.locked_until = now + LOCK_FOR
        staff.failed_sign_ins = 0
        audit(session, at=now, actor_kind="system", actor_id=None, action="staff.locked",
              detail=staff.id)
        await _tell_leads_of_lock(session, vault, staff, now)


async def _tell_leads_of_lock(session: AsyncSession, vault: Vault, staff: Staff,
                              now: datetime) -> None:
    """The service's leads and admins hear that an account was locked (on Telegram today;
    any other route added later reads the same outbox)."""
    leads = (await session.scalars(
        select(Staff).where(Staff.service_id == staff.service_id,
                            Staff.role.in_(("lead", "admin")), Staff.active.is_(True),
                            Staff.id != staff.id, Staff.telegram_chat_id.is_not(None))
    )).all()
    for lead in leads:
        assert lead.telegram_chat_id is not None
        with use_locale(lead.locale):
            text = _("The staff desk account of {name} ({email}) is locked for 15 minutes after "
                     "five wrong passwords in a row. If that was not them, please check with "
                     "them.").format(name=staff.name, email=staff.email)
        await enqueue(session, vault, chat_id=lead.telegram_chat_id, message=Message(text=text),
                      kind="staff_locked", now=now, priority=URGENT,
                      dedupe_key=f"staff-locked:{staff.id}:{now.isoformat()}:{lead.id}")


def password_problem(new: str, again: str, old_hash: str) -> str | None:
    """Why a chosen password cannot be used (translated), or None."""
    if new != again:
        return _("The two passwords are not the same. Please type them again.")
    if len(new) < MIN_PASSWORD:
        return _("Please use at least {n} characters.").format(n=MIN_PASSWORD)
    if len(new) > MAX_PASSWORD:
        return _("Please use at most {n} characters.").format(n=MAX_PASSWORD)
    try:
        if _hasher.verify(old_hash, new):
            return _("Please choose a new password, not the one you were given.")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        pass
    return None


async def change_password(session: AsyncSession, staff: Staff, new: str, now: datetime) -> None:
    staff.password_hash = await asyncio.to_thread(_hasher.hash, new)
    staff.must_change_password = False
    audit(session, at=now, actor_kind="staff", actor_id=staff.id, action="staff.password_changed")


# -- second factor ---------------------------------------------------------------------


def totp_required(staff: Staff) -> bool:
    return staff.role in ROLES_NEEDING_TOTP or staff.totp_confirmed_at is not None


async def totp_secret(session: AsyncSession, vault: Vault, staff: Staff) -> str:
    """The staff member's TOTP secret, made (unconfirmed) on first use."""
    if staff.totp_secret_ct is not None:
        return str(await vault.open(session, SYSTEM_OWNER, "staff", staff.id, staff.totp_secret_ct))
    secret = pyotp.random_base32()
    staff.totp_secret_ct = await vault.seal(session, SYSTEM_OWNER, "staff", staff.id, secret)
    return secret


def totp_uri(staff: Staff, secret: str, issuer: str = "Heard") -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=staff.email, issuer_name=issuer)


async def check_totp(
    session: AsyncSession, vault: Vault, staff: Staff, code: str, now: datetime
) -> bool:
    """True when ``code`` is the current (or adjacent) code and was not used before.
    A good first code confirms the set-up."""
    code = "".join(ch for ch in code if ch.isdigit())
    if staff.totp_secret_ct is None or len(code) != 6:
        return False
    totp = pyotp.TOTP(await totp_secret(session, vault, staff))
    step = int(now.timestamp()) // totp.interval
    for candidate in (step, step - 1, step + 1):
        if totp.at(candidate * totp.interval) == code:
            if staff.totp_last_step is not None and candidate <= staff.totp_last_step:
                return False  # a code is good once
            staff.totp_last_step = candidate
            if staff.totp_confirmed_at is None:
                staff.totp_confirmed_at = now
                audit(session, at=now, actor_kind="staff", actor_id=staff.id,
                      action="staff.totp_set_up")
            return True
    return False


async def count_totp_failure(session: AsyncSession, vault: Vault, staff: Staff,
                             source: str | None, now: datetime) -> None:
    """A wrong code counts like a wrong password (the password was already known)."""
    throttle = await session.get(SignInThrottle, source_hash(source))
    await _count_failure(session, vault, staff, throttle, source, now)


def totp_wait(staff: Staff, now: datetime) -> int:
    return _remaining(staff.last_failed_sign_in_at, staff.failed_sign_ins, now)
