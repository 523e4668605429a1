"""GET /staff/events: Server-Sent Events that tell an open desk something changed.

The stream asks the database (not this process's memory) every ``POLL_SECONDS``
whether the desk would look different, so a check-in or an alert recorded by any
process, or by the Telegram channel, reaches every open desk within seconds. It
holds no transaction between looks, and it ends as soon as the staff session does
(signed out, expired, or the account deactivated), or when the server shuts down
(the browser reconnects to the next one by itself): an open desk never holds up a
restart.
"""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import web

from domain.browser_sessions import find_staff_session
from domain.desk import desk_fingerprint
from web.keys import RUNTIME
from web.security_headers import HEADERS
from web.staff.pages import next_step
from web.staff.session import COOKIE

PATH = "/staff/events"
POLL = web.AppKey[float]("desk_poll_seconds")
# Set when the server shuts down: every open stream ends at once.
CLOSING = web.AppKey("desk_events_closing", asyncio.Event)
POLL_SECONDS = 1.5
KEEPALIVE_SECONDS = 20.0


async def _fingerprint(request: web.Request, raw: str | None) -> str | None:
    """What the desk looks like now, or None when the session is no longer good."""
    runtime = request.app[RUNTIME]
    async with runtime.db.transaction(read_only=True) as db:
        found = await find_staff_session(db, raw, runtime.clock.now())
        if found is None or found[1] is None or next_step(found[1], found[0].second_factor):
            return None
        return await desk_fingerprint(db, found[1])


async def events(request: web.Request) -> web.StreamResponse:
    raw = request.cookies.get(COOKIE)
    last = await _fingerprint(request, raw)
    if last is None:
        return web.Response(status=401, text="sign in first", headers=HEADERS)
    response = web.StreamResponse(headers={
        **HEADERS, "Content-Type": "text/event-stream", "Cache-Control": "no-store",
        "X-Accel-Buffering": "no"})
    await response.prepare(request)
    await response.write(b"retry: 3000\n\n")
    poll = request.app.get(POLL, POLL_SECONDS)
    closing = request.app[CLOSING]
    quiet = 0.0
    try:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(closing.wait(), poll)
            if closing.is_set():
                break
            now = await _fingerprint(request, raw)
            if now is None:
                await response.write(b"event: signed-out\ndata: {}\n\n")
                break
            if now != last:
                last, quiet = now, 0.0
                await response.write(b"event: change\ndata: {}\n\n")
            else:
                quiet += poll
                if quiet >= KEEPALIVE_SECONDS:
                    quiet = 0.0
                    await response.write(b": still here\n\n")
    except ConnectionResetError:
        pass
    return response


async def _close_streams(app: web.Application) -> None:
    app[CLOSING].set()


def add_routes(app: web.Application) -> None:
    app[CLOSING] = asyncio.Event()
    app.on_shutdown.append(_close_streams)
    app.router.add_get(PATH, events)
