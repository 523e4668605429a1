"""Staff sessions: a cookie of their own (``heard_staff``, path ``/staff``), a table of
their own (``staff_sessions``), so a young person's session can never become a
staff one or the other way round.

Like young people's sessions, only a SHA-256 of the cookie is stored. The cookie is
HttpOnly, SameSite=Lax (so the link in an alert email opens the desk already signed
in; every state change still needs the CSRF token) and Secure under https.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from aiohttp import web
from aiohttp.typedefs import Handler
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Staff, StaffSession
from web.keys import DB, READ_ONLY, RUNTIME
from web.sessions import hash_id

COOKIE = "heard_staff"
PATH = "/staff"
LONGEST = timedelta(hours=12)
# Before the password: just long enough to type it.
VISITOR = timedelta(minutes=30)

STAFF_SESSION = web.RequestKey["StaffSession | None"]("staff_session")
STAFF_SESSION_ID = web.RequestKey["str | None"]("staff_session_id")
STAFF = web.RequestKey["Staff | None"]("staff")
_SET = web.RequestKey[str]("staff_session_set")
_CLEAR = web.RequestKey[bool]("staff_session_clear")


def is_staff_path(path: str) -> bool:
    return path == PATH or path.startswith(PATH + "/")


async def load(db: AsyncSession, raw: str | None,
               now: datetime) -> tuple[StaffSession, Staff | None] | None:
    """The live session behind a cookie value (and its signed-in, active staff member)."""
    if not raw or len(raw) > 100:
        return None
    row = await db.get(StaffSession, hash_id(raw))
    if row is None or now >= row.expires_at:
        return None
    staff = await db.get(Staff, row.staff_id) if row.staff_id else None
    if staff is not None and not staff.active:
        return None  # deactivated: every session of theirs ends at once
    return row, staff


async def start(request: web.Request, staff: Staff | None, *,
                next_path: str | None = None) -> StaffSession:
    """A fresh session (the old one is deleted: no fixation)."""
    db = request[DB]
    now = request.app[RUNTIME].clock.now()
    old = request.get(STAFF_SESSION)
    if old is not None:
        await db.delete(old)
    await db.execute(delete(StaffSession).where(StaffSession.expires_at < now))
    raw = secrets.token_urlsafe(32)
    row = StaffSession(id_hash=hash_id(raw), staff_id=staff.id if staff else None,
                       second_factor=False, next_path=next_path, created_at=now,
                       last_seen_at=now, expires_at=now + (LONGEST if staff else VISITOR))
    db.add(row)
    request[STAFF_SESSION], request[STAFF_SESSION_ID], request[STAFF] = row, raw, staff
    request[_SET] = raw
    return row


async def end(request: web.Request) -> None:
    row = request.get(STAFF_SESSION)
    if row is not None:
        await request[DB].delete(row)
    request[STAFF_SESSION] = request[STAFF_SESSION_ID] = request[STAFF] = None
    request[_CLEAR] = True


def _secure(request: web.Request) -> bool:
    return request.app[RUNTIME].settings.public_url.startswith("https://")


@web.middleware
async def staff_session_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if DB not in request or not is_staff_path(request.path):
        return await handler(request)
    now = request.app[RUNTIME].clock.now()
    raw = request.cookies.get(COOKIE)
    found = await load(request[DB], raw, now)
    request[STAFF_SESSION] = found[0] if found else None
    request[STAFF_SESSION_ID] = raw if found else None
    request[STAFF] = found[1] if found else None
    if found is None and raw:
        request[_CLEAR] = True
    if found is not None and request.method == "POST" and not request.get(READ_ONLY):
        found[0].last_seen_at = now
    response = await handler(request)
    if _SET in request:
        response.set_cookie(COOKIE, request[_SET], httponly=True, samesite="Lax",
                            secure=_secure(request), path=PATH)
    elif request.get(_CLEAR):
        response.del_cookie(COOKIE, path=PATH, httponly=True, samesite="Lax",
                            secure=_secure(request))
    return response
