"""Reading a form post's body once, before anything else looks at it.

A body that cannot be read as a form (a multipart upload cut off half way, a
broken boundary, an unknown character set) is answered 400 with a kind page and
nothing else happens: no transaction, no session touched. Read here, the form is
cached on the request, so the CSRF check and the handler get it for free.
"""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from app.i18n import _
from web.keys import PLAIN_PATHS
from web.templating import render

log = logging.getLogger(__name__)
_FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


@web.middleware
async def form_body(request: web.Request, handler: Handler) -> web.StreamResponse:
    if (request.method == "POST" and request.content_type in _FORMS
            and request.path not in request.app[PLAIN_PATHS]):
        try:
            await request.post()
        except (ValueError, LookupError) as exc:  # incl. "Reading after EOF", bad UTF-8
            log.info("refused a form post that could not be read (%s)", type(exc).__name__)
            return render(request, "message.html", status=400,
                          title=_("That didn't come through"),
                          text=_("Something went wrong sending that. Please try again."),
                          link=("/", _("Start again")))
    return await handler(request)
