"""Pages for the dead ends nobody meant to reach: an address that does not exist,
and a fault on our side. Both are kind, and both keep the crisis contacts in sight,
because someone upset may land on them."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from core.i18n import _
from web.keys import PLAIN_PATHS
from web.templating import render

log = logging.getLogger(__name__)

# Not pages: machines read these, so their errors stay as they are.
_NOT_PAGES = ("/healthz", "/static/", "/cards/")


@web.middleware
async def error_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith(_NOT_PAGES) or request.path in request.app[PLAIN_PATHS]:
        return await handler(request)
    try:
        return await handler(request)
    except (web.HTTPNotFound, web.HTTPMethodNotAllowed):
        return not_found(request)
    except web.HTTPException:
        raise
    except Exception:
        # The unit of work inside has rolled back; nothing half-done was kept.
        log.exception("error answering %s %s", request.method, request.path)
        return render(request, "message.html", status=500, title=_("Something went wrong"),
                      text=_("Sorry, something went wrong on our side. Please try again."),
                      link=(request.path if request.method == "GET" else "/", _("Try again")))


def not_found(request: web.Request) -> web.Response:
    return render(request, "message.html", status=404, title=_("This page isn't here"),
                  text=_("The address may be wrong or old. If you were given a link, ask your "
                         "keyworker for a new one."), link=("/", _("Go to the start")))
