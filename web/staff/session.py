"""Staff sessions: a cookie of their own (``heard_staff``, path ``/staff``), a table of
their own (``staff_sessions``), so a young person's session can never become a
staff one or the other way round.

Like young people's sessions, only a SHA-256 of the cookie is stored. The cookie is
HttpOnly, SameSite=Lax (so the link in an alert email opens the desk already signed
in; every state change still needs the CSRF token) and Secure under https.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from aiohttp import web
from aiohttp.typedefs import Handler

from domain.browser_sessions import find_staff_session, forget, start_staff_session
from web.keys import DB, READ_ONLY, RUNTIME

if TYPE_CHECKING:
    from storage.models import Staff, StaffSession

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


async def start(request: web.Request, staff: Staff | None, *,
                next_path: str | None = None) -> StaffSession:
    """A fresh session (the old one is deleted: no fixation)."""
    now = request.app[RUNTIME].clock.now()
    raw, row = await start_staff_session(
        request[DB], now=now, replacing=request.get(STAFF_SESSION), staff=staff,
        next_path=next_path, expires_at=now + (LONGEST if staff else VISITOR))
    request[STAFF_SESSION], request[STAFF_SESSION_ID], request[STAFF] = row, raw, staff
    request[_SET] = raw
    return row


async def end(request: web.Request) -> None:
    row = request.get(STAFF_SESSION)
    if row is not None:
        await forget(request[DB], row)
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
    found = await find_staff_session(request[DB], raw, now)
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
