"""Signing in to the desk: email and password, the first password changed, the
second factor, signing out. Decisions are in ``domain/staff_auth.py``."""

from __future__ import annotations

import segno
from aiohttp import web

from core.i18n import _, ngettext, set_locale
from domain import staff_auth
from domain.audit_log import staff_action
from web.keys import DB, RUNTIME
from web.staff import session as staff_session
from web.staff.pages import next_step, plain, safe_next, source
from web.staff.session import STAFF, STAFF_SESSION
from web.templating import see_other


async def home_or_sign_in(request: web.Request) -> web.Response:
    staff, row = request.get(STAFF), request.get(STAFF_SESSION)
    if staff is None or row is None:
        return see_other("/staff/sign-in")
    return see_other(next_step(staff, row.second_factor) or _home(staff.role))


def _home(role: str) -> str:
    return {"lead": "/staff/lead", "admin": "/staff/admin",
            "commissioner": "/staff/commissioner",
            "placement": "/staff/placements"}.get(role, "/staff/desk")


async def sign_in_form(request: web.Request) -> web.Response:
    staff, row = request.get(STAFF), request.get(STAFF_SESSION)
    if staff is not None and row is not None:
        return see_other(next_step(staff, row.second_factor) or _home(staff.role))
    if row is None:
        await staff_session.start(request, None)  # the form's CSRF token needs a session
    notice = _("You have signed out.") if request.query.get("m") == "out" else None
    return plain(request, "staff/sign_in.html", message=notice, email="",
                 next=safe_next(request.query.get("next")) or "")


def _wait_text(seconds: int) -> str:
    if seconds >= 60:
        minutes = (seconds + 59) // 60
        return ngettext("Please wait {n} minute and try again.",
                        "Please wait {n} minutes and try again.", minutes).format(n=minutes)
    return ngettext("Please wait {n} second and try again.",
                    "Please wait {n} seconds and try again.", seconds).format(n=seconds)


async def sign_in(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    form = await request.post()
    email = str(form.get("email", ""))[:320]
    password = str(form.get("password", ""))
    wanted = safe_next(str(form.get("next", "")))
    result = await staff_auth.sign_in(request[DB], runtime.vault, email=email,
                                      password=password, source=source(request),
                                      now=runtime.clock.now())
    if result.outcome == "ok" and result.staff is not None:
        set_locale(result.staff.locale)
        row = await staff_session.start(request, result.staff, next_path=wanted)
        return see_other(next_step(result.staff, row.second_factor) or wanted
                         or _home(result.staff.role))
    if result.outcome == "locked":
        message = _("This account is locked for 15 minutes after five wrong tries in a row. "
                    "Your lead has been told. If it wasn't you, please tell them.")
        status = 429
    elif result.outcome == "wait":
        message, status = _wait_text(result.wait_seconds), 429
    else:
        message, status = _("That email and password don't match. Please try again."), 401
    return plain(request, "staff/sign_in.html", status=status, message=message,
                 email=email, next=wanted or "")


async def _signed_in(request: web.Request) -> web.Response | None:
    """None when someone is signed in (with the password accepted); else a redirect."""
    staff = request.get(STAFF)
    if staff is None or request.get(STAFF_SESSION) is None:
        return see_other("/staff/sign-in")
    set_locale(staff.locale)
    return None


async def password_form(request: web.Request) -> web.Response:
    if (away := await _signed_in(request)) is not None:
        return away
    return plain(request, "staff/password.html", staff=request[STAFF], message=None)


async def change_password(request: web.Request) -> web.Response:
    if (away := await _signed_in(request)) is not None:
        return away
    staff, row = request[STAFF], request[STAFF_SESSION]
    assert staff is not None and row is not None
    form = await request.post()
    new, again = str(form.get("new", "")), str(form.get("again", ""))
    problem = staff_auth.password_problem(new, again, staff.password_hash)
    if problem:
        return plain(request, "staff/password.html", status=400, staff=staff, message=problem)
    await staff_auth.change_password(request[DB], staff, new, request.app[RUNTIME].clock.now())
    return see_other(next_step(staff, row.second_factor) or row.next_path or _home(staff.role))


async def _totp_page(request: web.Request, *, status: int = 200,
                     message: str | None = None) -> web.Response:
    staff = request[STAFF]
    assert staff is not None
    context: dict[str, object] = {"setting_up": staff.totp_confirmed_at is None,
                                  "must": staff.role in staff_auth.ROLES_NEEDING_TOTP}
    if staff.totp_confirmed_at is None:
        secret = await staff_auth.totp_secret(request[DB], request.app[RUNTIME].vault, staff)
        uri = staff_auth.totp_uri(staff, secret)
        # Drawn here, inline: no picture service ever sees the secret.
        qr = segno.make(uri, error="m").svg_inline(scale=5, title=_("Square code for your app"))
        context.update(secret=secret, uri=uri, qr_svg=qr)
    return plain(request, "staff/totp.html", status=status, staff=staff, message=message,
                 **context)


async def totp_form(request: web.Request) -> web.Response:
    if (away := await _signed_in(request)) is not None:
        return away
    staff, row = request[STAFF], request[STAFF_SESSION]
    assert staff is not None and row is not None
    if staff.must_change_password:
        return see_other("/staff/password")
    if row.second_factor:
        return see_other(_home(staff.role))
    return await _totp_page(request)


async def totp_check(request: web.Request) -> web.Response:
    if (away := await _signed_in(request)) is not None:
        return away
    runtime = request.app[RUNTIME]
    now = runtime.clock.now()
    staff, row = request[STAFF], request[STAFF_SESSION]
    assert staff is not None and row is not None
    if staff.must_change_password:
        return see_other("/staff/password")
    wait = staff_auth.totp_wait(staff, now)
    if wait:
        return await _totp_page(request, status=429, message=_wait_text(wait))
    code = str((await request.post()).get("code", ""))[:20]
    if await staff_auth.check_totp(request[DB], runtime.vault, staff, code, now):
        row.second_factor = True
        return see_other(row.next_path or _home(staff.role))
    await staff_auth.count_totp_failure(request[DB], runtime.vault, staff, source(request), now)
    if staff.locked_until is not None and staff.locked_until > now:
        await staff_session.end(request)
        return plain(request, "staff/message.html", status=429, title=_("Account locked"),
                     text=_("This account is locked for 15 minutes after five wrong tries in a "
                            "row. Your lead has been told."),
                     link=("/staff/sign-in", _("Sign in")))
    return await _totp_page(request, status=401,
                            message=_("That code didn't work. Please type the 6 numbers your "
                                      "app shows now."))


async def sign_out(request: web.Request) -> web.Response:
    staff = request.get(STAFF)
    if staff is not None:
        staff_action(request[DB], staff, "staff.signed_out", request.app[RUNTIME].clock.now())
    await staff_session.end(request)
    return see_other("/staff/sign-in?m=out")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/staff", home_or_sign_in)
    app.router.add_get("/staff/sign-in", sign_in_form)
    app.router.add_post("/staff/sign-in", sign_in)
    app.router.add_get("/staff/password", password_form)
    app.router.add_post("/staff/password", change_password)
    app.router.add_get("/staff/totp", totp_form)
    app.router.add_post("/staff/totp", totp_check)
    app.router.add_post("/staff/sign-out", sign_out)
