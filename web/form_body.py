"""Reading a form post's body once, before anything else looks at it.

A body that cannot be read as a form (a multipart upload cut off half way, a
broken boundary, an unknown character set) is answered 400 with a kind page and
nothing else happens: no transaction, no session touched. Read here, the form is
cached on the request, so the CSRF check and the handler get it for free.
"""

from __future__ import annotations

import logging
import re

from aiohttp import web
from aiohttp.typedefs import Handler

from core.i18n import _
from web.csrf import STREAMED
from web.keys import PLAIN_PATHS
from web.templating import render

log = logging.getLogger(__name__)
_FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")
# The handover form carries a photo (cards.photos takes up to 10 MB); every other form
# keeps the application's smaller limit.
_PHOTO_FORMS = re.compile(r"^/staff/young-people/[^/]{1,64}/keyworker$")
PHOTO_FORM_LIMIT = 11 * 1024 * 1024


@web.middleware
async def form_body(request: web.Request, handler: Handler) -> web.StreamResponse:
    if (request.method == "POST" and request.content_type in _FORMS
            and request.path not in request.app[PLAIN_PATHS] and not STREAMED.match(request.path)):
        if _PHOTO_FORMS.match(request.path):
            request = request.clone(client_max_size=PHOTO_FORM_LIMIT)
        try:
            await request.post()
        except web.HTTPRequestEntityTooLarge:
            if _PHOTO_FORMS.match(request.path):
                return render(request, "message.html", status=413,
                              title=_("That photo is too big"),
                              text=_("Please choose a smaller photo (up to 10 MB). Nothing "
                                     "was changed."),
                              link=(request.path.rsplit("/", 1)[0] + "/handover", _("Go back")))
            return render(request, "message.html", status=413,
                          title=_("That was too much to send"),
                          text=_("Please try again with less. Nothing was changed."),
                          link=("/", _("Start again")))
        except (ValueError, LookupError) as exc:  # incl. "Reading after EOF", bad UTF-8
            log.info("refused a form post that could not be read (%s)", type(exc).__name__)
            return render(request, "message.html", status=400,
                          title=_("That didn't come through"),
                          text=_("Something went wrong sending that. Please try again."),
                          link=("/", _("Start again")))
        try:
            return await handler(request)
        finally:
            # Uploaded files wait in temporary files: close them whatever happened.
            for value in (await request.post()).values():
                if isinstance(value, web.FileField):
                    value.file.close()
    return await handler(request)
