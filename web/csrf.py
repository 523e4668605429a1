"""CSRF protection for every form.

The token is an HMAC of the session id, so it needs no storage, changes with every
new session, and cannot be guessed by a page that cannot read the cookie.
SameSite=Strict cookies already stop most cross-site posts; this stops the rest.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from aiohttp import web
from aiohttp.typedefs import Handler

from core.i18n import _
from web.keys import SESSION_ID

FIELD = "csrf"
# Photo uploads stream their body (web/staff/placement_routes.py): nothing reads it as a
# form first, so their token travels in the form's action URL instead.
STREAMED = re.compile(r"^/staff/placements/[^/]{1,64}/sections/[^/]{1,64}/photos$")


def csrf_token(request: web.Request) -> str:
    # Staff pages are bound to the staff session; everything else to the young person's.
    # Imported here: the staff session module renders pages, which need this token.
    from web.staff.session import STAFF_SESSION_ID, is_staff_path

    raw = request.get(STAFF_SESSION_ID) if is_staff_path(request.path) else request.get(SESSION_ID)
    if not raw:
        return ""
    return hmac.new(raw.encode(), b"heard-csrf", hashlib.sha256).hexdigest()


async def _valid(request: web.Request) -> bool:
    expected = csrf_token(request)
    if not expected:
        return False
    if STREAMED.match(request.path):
        given: object = request.query.get(FIELD, "")
    else:
        given = (await request.post()).get(FIELD)
    return isinstance(given, str) and hmac.compare_digest(given, expected)


@web.middleware
async def csrf_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method in ("GET", "HEAD", "OPTIONS") or SESSION_ID not in request:
        return await handler(request)
    if not await _valid(request):
        # Imported here: templating itself asks this module for the page's token.
        from web.templating import render

        return render(
            request, "message.html", status=403,
            title=_("This page was open for a long time"),
            text=_("For your safety, please start again."),
            link=("/staff" if request.path.startswith("/staff") else "/", _("Start again")),
        )
    return await handler(request)
