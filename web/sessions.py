"""Server-side sessions in the database, shared by every worker.

The browser holds a random id in an HttpOnly, SameSite=Strict cookie; the table
holds only its SHA-256, so neither a database copy nor a log line can sign anyone in.
A session is replaced (a new id) whenever someone signs in, and deleted on leaving.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from aiohttp import web
from aiohttp.typedefs import Handler

from domain.browser_sessions import find_visit, forget, start_visit, tablet_revoked
from web.keys import DB, READ_ONLY, RUNTIME, SESSION, SESSION_ID

if TYPE_CHECKING:
    from storage.models import WebSession

COOKIE = "heard_session"
# An enrolled unit tablet carries its own long-lived cookie (domain/tablets.py).
DEVICE_COOKIE = "heard_tablet"
# Someone who is only looking (no one signed in): long enough to type a PIN.
VISITOR_IDLE = 30 * 60
# A young person on their own phone: signed out after half an hour of quiet.
PHONE_IDLE = 30 * 60
# On a shared tablet the page goes back to the start after 60 s; the server allows
# a little more so a slow tap does not lose the last step.
TABLET_IDLE = 90
LONGEST = timedelta(hours=12)
_SET = web.RequestKey[str]("session_set")
_CLEAR = web.RequestKey[bool]("session_clear")
_ENDED = web.RequestKey[str]("session_ended")
# Where a browser whose young person's data was deleted (at their request) is sent,
# once: a plain page that says so (web/my_data_routes.py).
DATA_DELETED_PATH = "/data-deleted"


def _now(request: web.Request) -> datetime:
    return request.app[RUNTIME].clock.now()


async def _load(request: web.Request) -> None:
    request[SESSION] = None
    request[SESSION_ID] = None
    raw = request.cookies.get(COOKIE)
    db = request[DB]
    row = await find_visit(db, raw)
    if row is None:
        return
    if row.ended_reason is not None:
        # Ended for its young person (their data was deleted): said once, then gone.
        request[_ENDED] = row.ended_reason
        if not request.get(READ_ONLY):
            await forget(db, row)
        request[_CLEAR] = True
        return
    now = _now(request)
    if (now >= row.expires_at or now - row.last_seen_at > timedelta(seconds=row.idle_seconds)
            or await tablet_revoked(db, row)):
        if not request.get(READ_ONLY):
            await forget(db, row)  # else the next sign-in's housekeeping removes it
        request[_CLEAR] = True
        return
    # Every tap is a form post, so "last seen" moves on posts only: page views stay
    # read-only (no write, no wait for SQLite's one writer).
    if request.method == "POST":
        row.last_seen_at = now
    request[SESSION] = row
    request[SESSION_ID] = raw


async def start(
    request: web.Request,
    *,
    young_person_id: str | None = None,
    tablet_id: str | None = None,
    idle_seconds: int = VISITOR_IDLE,
) -> WebSession:
    """A fresh session (the old one, if any, is deleted: no fixation)."""
    now = _now(request)
    raw, row = await start_visit(
        request[DB], now=now, replacing=request.get(SESSION), young_person_id=young_person_id,
        tablet_id=tablet_id, idle_seconds=idle_seconds, expires_at=now + LONGEST)
    request[SESSION] = row
    request[SESSION_ID] = raw
    request[_SET] = raw
    return row


async def ensure(request: web.Request) -> WebSession:
    """The current session, or a new visitor one (forms need one for their CSRF token)."""
    return request.get(SESSION) or await start(request)


async def end(request: web.Request) -> None:
    row = request.get(SESSION)
    if row is not None:
        await forget(request[DB], row)
    request[SESSION] = None
    request[SESSION_ID] = None
    request[_CLEAR] = True


def _secure(request: web.Request) -> bool:
    return request.app[RUNTIME].settings.public_url.startswith("https://")


@web.middleware
async def session_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if DB not in request:
        return await handler(request)
    await _load(request)
    if request.get(_ENDED) == "erased" and request.path != DATA_DELETED_PATH:
        response: web.StreamResponse = web.Response(
            status=303, headers={"Location": DATA_DELETED_PATH})
    else:
        response = await handler(request)
    if _SET in request:
        response.set_cookie(COOKIE, request[_SET], httponly=True, samesite="Strict",
                            secure=_secure(request), path="/")
    elif request.get(_CLEAR):
        response.del_cookie(COOKIE, path="/", httponly=True, samesite="Strict",
                            secure=_secure(request))
    return response
