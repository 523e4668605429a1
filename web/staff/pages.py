"""What every staff page shares: who is signed in, the gate in front of each page,
the untaken alerts at the top, and rendering."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from aiohttp import web

from core.i18n import _, set_locale
from domain.desk import open_alerts, service_timezone
from domain.staff_auth import totp_required
from web.keys import DB, RUNTIME
from web.staff.session import STAFF, STAFF_SESSION
from web.templating import render, see_other

if TYPE_CHECKING:  # a type only: channels never touch storage
    from storage.models import Staff

StaffHandler = Callable[[web.Request, "Staff"], Awaitable[web.StreamResponse]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def source(request: web.Request) -> str | None:
    """Where a request came from, for the audit log and sign-in throttling."""
    return request.remote


def safe_next(path: str | None) -> str | None:
    """Only our own staff pages are places to go back to after signing in."""
    if (not path or not path.startswith("/staff/") or path.startswith("//") or "\\" in path
            or len(path) > 200 or path.startswith(("/staff/sign-", "/staff/password",
                                                   "/staff/totp", "/staff/events"))):
        return None
    return path


def next_step(staff: Staff, second_factor: bool) -> str | None:
    """Where a signed-in staff member must go before anything else, if anywhere."""
    if staff.must_change_password:
        return "/staff/password"
    if totp_required(staff) and not second_factor:
        return "/staff/totp"
    return None


def desk_page(*roles: str) -> Callable[[StaffHandler], Handler]:
    """Signed in, password changed, second factor given (when needed), and one of
    ``roles`` (any role when none are given). Other roles get the same 404 as a
    page that does not exist."""

    def wrap(handler: StaffHandler) -> Handler:
        @functools.wraps(handler)
        async def gate(request: web.Request) -> web.StreamResponse:
            staff, row = request.get(STAFF), request.get(STAFF_SESSION)
            if staff is None or row is None:
                back = safe_next(request.path_qs) if request.method == "GET" else None
                return see_other("/staff/sign-in" + (f"?next={quote(back)}" if back else ""))
            set_locale(staff.locale)
            step = next_step(staff, row.second_factor)
            if step:
                return see_other(step)
            if roles and staff.role not in roles:
                return not_found(request)
            return await handler(request, staff)

        return gate

    return wrap


async def page(request: web.Request, template: str, *, status: int = 200,
               **context: Any) -> web.Response:
    """A staff page, with the service's untaken alerts at the top."""
    staff = request.get(STAFF)
    alerts = []
    # A commissioner sees totals only, so no alerts (they name young people).
    if (staff is not None and staff.role != "commissioner"
            and next_step(staff, bool(getattr(request[STAFF_SESSION], "second_factor", False)))
            is None):
        tz = await service_timezone(request[DB], staff)
        alerts = await open_alerts(request[DB], request.app[RUNTIME].vault, staff, tz)
    context.setdefault("live", "/staff/events" if staff is not None else None)
    return render(request, template, status=status, staff=staff, alerts=alerts, **context)


def plain(request: web.Request, template: str, *, status: int = 200,
          **context: Any) -> web.Response:
    """A page before signing in (no alerts, nothing live)."""
    context.setdefault("staff", None)
    return render(request, template, status=status, alerts=[], live=None, **context)


def not_found(request: web.Request) -> web.Response:
    """The same answer for "no such thing" and "not yours": nothing to learn from it."""
    return render(request, "staff/message.html", status=404, staff=request.get(STAFF), alerts=[],
                  live=None, title=_("Not found"),
                  text=_("There is nothing here. It may have moved, or it is not on your desk."),
                  link=("/staff", _("Back to my desk")))
