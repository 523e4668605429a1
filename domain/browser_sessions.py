"""Sessions kept in the database for the web, shared by every worker: a young
person's browser (``web_sessions``) and a member of staff's desk (``staff_sessions``),
two tables so one can never become the other.

Only the SHA-256 of the cookie's random id is stored, so neither a database copy nor
a log line can sign anyone in. A new session replaces the old one (no fixation), and
sessions that ran out are removed on the way.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Staff, StaffSession, Tablet, WebSession, YoungPerson
from storage.repositories import audit
from storage.vault import Vault

# A cookie value longer than this was never made here: not looked up at all.
_LONGEST_COOKIE = 100
# The young person's last screen is sealed under this table name (web.view).
_VIEW_TABLE = "web_sessions"
_S = TypeVar("_S", WebSession, StaffSession)


def hash_id(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


async def forget(session: AsyncSession, row: WebSession | StaffSession) -> None:
    """End a session: its row goes."""
    await session.delete(row)


# -- A young person's browser -------------------------------------------------------------


async def find_visit(session: AsyncSession, raw: str | None) -> WebSession | None:
    """The session behind a cookie value, live or not (the caller decides)."""
    if not raw or len(raw) > _LONGEST_COOKIE:
        return None
    return await session.get(WebSession, hash_id(raw))


async def tablet_revoked(session: AsyncSession, row: WebSession) -> bool:
    """Revoking a tablet deletes its sessions; this also catches one that was being
    signed in at that very moment."""
    if row.tablet_id is None:
        return False
    tablet = await session.get(Tablet, row.tablet_id)
    return tablet is None or tablet.revoked_at is not None


async def start_visit(
    session: AsyncSession,
    *,
    now: datetime,
    replacing: WebSession | None,
    young_person_id: str | None,
    tablet_id: str | None,
    idle_seconds: int,
    expires_at: datetime,
) -> tuple[str, WebSession]:
    """A fresh session (``replacing`` is deleted): the cookie value and its row."""
    return await _fresh(session, WebSession, replacing, now, young_person_id=young_person_id,
                        tablet_id=tablet_id, idle_seconds=idle_seconds, expires_at=expires_at)


async def _fresh(session: AsyncSession, model: type[_S], replacing: _S | None, now: datetime,
                 **columns: object) -> tuple[str, _S]:
    """A new session row of either kind, known by the hash of a new cookie value."""
    if replacing is not None:
        await session.delete(replacing)
    # Housekeeping on the way: sessions that ran out are of no use to anyone.
    await session.execute(delete(model).where(model.expires_at < now))
    raw = secrets.token_urlsafe(32)
    row = model(id_hash=hash_id(raw), created_at=now, last_seen_at=now, **columns)
    session.add(row)
    return raw, row


async def person_of(session: AsyncSession, row: WebSession | None) -> YoungPerson | None:
    """The young person signed in to a browser session, if anyone is."""
    if row is None or row.young_person_id is None:
        return None
    return await session.get(YoungPerson, row.young_person_id)


def record_sign_in(session: AsyncSession, person_id: str, tablet_id: str | None,
                   now: datetime) -> None:
    audit(session, at=now, actor_kind="young_person", actor_id=person_id,
          action="web.signed_in", young_person_id=person_id,
          detail=f"tablet:{tablet_id}" if tablet_id else "phone")


async def seal_view(session: AsyncSession, vault: Vault, row: WebSession,
                    view: dict[str, Any]) -> None:
    """Keep the last screen shown (it names their feelings, so it is sealed with the
    young person's own data key, and it goes when the session goes)."""
    assert row.young_person_id is not None
    row.view_ct = await vault.seal(session, row.young_person_id, _VIEW_TABLE, row.id_hash, view)


async def open_view(session: AsyncSession, vault: Vault,
                    row: WebSession) -> dict[str, Any] | None:
    if row.view_ct is None or row.young_person_id is None:
        return None
    opened: dict[str, Any] = await vault.open(session, row.young_person_id, _VIEW_TABLE,
                                              row.id_hash, row.view_ct)
    return opened


# -- A member of staff's desk -------------------------------------------------------------


async def find_staff_session(session: AsyncSession, raw: str | None,
                             now: datetime) -> tuple[StaffSession, Staff | None] | None:
    """The live session behind a cookie value (and its signed-in, active staff member)."""
    if not raw or len(raw) > _LONGEST_COOKIE:
        return None
    row = await session.get(StaffSession, hash_id(raw))
    if row is None or now >= row.expires_at:
        return None
    staff = await session.get(Staff, row.staff_id) if row.staff_id else None
    if staff is not None and not staff.active:
        return None  # deactivated: every session of theirs ends at once
    return row, staff


async def start_staff_session(
    session: AsyncSession,
    *,
    now: datetime,
    replacing: StaffSession | None,
    staff: Staff | None,
    next_path: str | None,
    expires_at: datetime,
) -> tuple[str, StaffSession]:
    """A fresh desk session (``replacing`` is deleted): the cookie value and its row."""
    return await _fresh(session, StaffSession, replacing, now,
                        staff_id=staff.id if staff else None, second_factor=False,
                        next_path=next_path, expires_at=expires_at)
