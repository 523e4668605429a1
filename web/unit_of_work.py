"""One database transaction per request, committed in one place.

Handlers return their responses (redirects included) rather than raising them, so
that what a request did - a check-in, a failed PIN counted - is committed even when
the page it shows is an error page.

On SQLite only one transaction can write at a time, so writing units of work queue
in-process (storage.db.Database.transaction); handlers marked ``@read_only`` (the
check-in page view, the busiest GET) do not wait behind them.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from web.keys import DB, PLAIN_PATHS, READ_ONLY, RUNTIME

# Served without touching the database.
_NO_DB_PREFIXES = ("/static/", "/cards/", "/healthz")


def read_only(handler: Handler) -> Handler:
    """Mark a handler that never writes (so it need not wait for the writer lock)."""
    handler.read_only = True  # type: ignore[attr-defined]
    return handler


@web.middleware
async def unit_of_work(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith(_NO_DB_PREFIXES) or request.path in request.app[PLAIN_PATHS]:
        return await handler(request)
    request[READ_ONLY] = read_only_ = bool(getattr(request.match_info.handler, "read_only", False))
    async with request.app[RUNTIME].db.transaction(read_only=read_only_) as session:
        request[DB] = session
        return await handler(request)
