"""One database transaction per request, committed in one place.

Handlers return their responses (redirects included) rather than raising them, so
that what a request did - a check-in, a failed PIN counted - is committed even when
the page it shows is an error page.

On SQLite only one transaction can write at a time, so writing units of work queue
in-process (storage.db.Database.transaction); handlers marked ``@read_only`` (the
check-in page view, the busiest GET) do not wait behind them.

When the unit of work fails -- a lost database connection, a full disk, a bug --
nothing it did is kept and the person gets a kind page asking them to try again in
a minute (503 when the database is at fault), never a traceback. A lost connection
is retried once first: everything was rolled back, so running it again is safe.
"""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from core.i18n import _
from flows.sorry import sorry_text, sorry_title
from web.keys import DB, PLAIN_PATHS, READ_ONLY, RUNTIME

log = logging.getLogger(__name__)

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
    db = request.app[RUNTIME].db
    for attempt in (1, 2):
        try:
            async with db.transaction(read_only=read_only_) as session:
                request[DB] = session
                return await handler(request)
        except web.HTTPException:
            raise
        except Exception as error:  # noqa: BLE001 - whatever failed, they hear from us
            if attempt == 1 and db.lost_connection(error):
                continue
            if not db.is_fault(error):  # database faults are told by their watch
                log.exception("%s %s failed", request.method, _route(request))
            return _sorry(request, 503 if db.is_fault(error) else 500)
    raise AssertionError("unreachable")


def _route(request: web.Request) -> str:
    # The route's template (/p/{code}), never the path: paths carry personal codes.
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "?"


def _sorry(request: web.Request, status: int) -> web.Response:
    # Imported here: templating reads the session this module's middleware sets up.
    from web.templating import render

    # "Try again" reloads the page they were on (after a form post: its page).
    return render(request, "message.html", status=status, title=sorry_title(),
                  text=sorry_text(), link=(request.path, _try_again()))


def _try_again() -> str:
    return _("Try again")
