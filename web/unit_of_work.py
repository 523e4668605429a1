"""One database transaction per request, committed in one place.

Handlers return their responses (redirects included) rather than raising them, so
that what a request did - a check-in, a failed PIN counted - is committed even when
the page it shows is an error page.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from web.keys import DB, PLAIN_PATHS, RUNTIME

# Served without touching the database.
_NO_DB_PREFIXES = ("/static/", "/cards/", "/healthz")


@web.middleware
async def unit_of_work(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith(_NO_DB_PREFIXES) or request.path in request.app[PLAIN_PATHS]:
        return await handler(request)
    async with request.app[RUNTIME].db.transaction() as session:
        request[DB] = session
        return await handler(request)
