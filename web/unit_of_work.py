"""One database transaction per request, committed in one place.

Handlers return their responses (redirects included) rather than raising them, so
that what a request did - a check-in, a failed PIN counted - is committed even when
the page it shows is an error page.

On SQLite only one transaction can write at a time: a writer that finds the
database busy sleeps in SQLite's busy handler (up to 100 ms a go), and one that read
first may be refused outright. So on SQLite every request that may write queues for
an asyncio lock instead; handlers marked ``@read_only`` (the check-in page view, the
busiest GET) skip it. PostgreSQL needs none of this.
"""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import web
from aiohttp.typedefs import Handler

from web.keys import DB, PLAIN_PATHS, READ_ONLY, RUNTIME, WRITE_LOCK

# Served without touching the database.
_NO_DB_PREFIXES = ("/static/", "/cards/", "/healthz")


def read_only(handler: Handler) -> Handler:
    """Mark a handler that never writes (so it need not wait for the writer lock)."""
    handler.read_only = True  # type: ignore[attr-defined]
    return handler


def write_lock_for(app: web.Application) -> asyncio.Lock | None:
    return asyncio.Lock() if app[RUNTIME].db.dialect == "sqlite" else None


@web.middleware
async def unit_of_work(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith(_NO_DB_PREFIXES) or request.path in request.app[PLAIN_PATHS]:
        return await handler(request)
    request[READ_ONLY] = bool(getattr(request.match_info.handler, "read_only", False))
    lock = None if request[READ_ONLY] else request.app[WRITE_LOCK]
    async with lock or contextlib.nullcontext():
        async with request.app[RUNTIME].db.transaction() as session:
            request[DB] = session
            return await handler(request)
