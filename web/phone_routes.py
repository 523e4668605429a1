"""A young person's own phone: the one-time link to set a PIN (/j/CODE), their
short personal link to come back with (/p/CODE + PIN), and getting a new one.

Either link opened on an enrolled unit tablet behaves as the tablet does: a short
session that goes back to the start, PIN tries counted on the tablet, and the
personal link never shown (the next person at the tablet must not find it)."""

from __future__ import annotations

from typing import Any

from datetime import datetime

from typing import TYPE_CHECKING

from aiohttp import web

from core.i18n import _, set_locale
from domain import pins
from domain.invites import redeem
from domain.tablets import tablet_for_token
from web import sessions
from web.keys import DB, RUNTIME, SESSION
from web.people import current_person, sign_in
from web.sessions import DEVICE_COOKIE
from web.templating import render, see_other

if TYPE_CHECKING:
    from storage.models import Tablet, WebLogin, YoungPerson

# How long a PIN page on a tablet waits before going back to the faces.
TABLET_PIN_IDLE = 60

MESSAGES = {
    "wrong": lambda: _("That PIN isn't right. Please try again."),
    "nomatch": lambda: _("The two PINs were not the same. Please try again."),
    "invalid": lambda: _("Please choose 4 numbers, or 4 pictures."),
    "easy": lambda: _("That PIN would be easy for someone else to guess. "
                      "Please choose a different one, not all the same or in a row."),
}


def flash(request: web.Request) -> str | None:
    make = MESSAGES.get(request.query.get("m", ""))
    return make() if make else None


async def front(request: web.Request) -> web.Response:
    if request.cookies.get(DEVICE_COOKIE):
        return see_other("/t")
    if await current_person(request) is not None:
        return see_other("/me")
    return render(request, "message.html", title=_("Heard"),
                  text=_("To check in, open your own link. If you don't have one, ask your keyworker."),
                  staff_link=True)


def link_not_working(request: web.Request) -> web.Response:
    return render(request, "message.html", status=404, title=_("This link isn't working"),
                  text=_("It may be old or already used. Ask your keyworker for a new one."))


def not_set_up(request: web.Request) -> web.Response:
    return render(request, "message.html", status=403, title=_("This tablet isn't set up"),
                  text=_("Please ask a member of staff."))


class _RetiredTablet(Exception):
    """The browser carries a tablet's cookie, but that tablet is revoked."""


async def this_tablet(request: web.Request) -> Tablet | None:
    """The enrolled tablet this browser is, or None for a person's own device.

    A browser with the cookie of a tablet that has been revoked is still a shared
    device: it raises _RetiredTablet rather than passing for a phone."""
    token = request.cookies.get(DEVICE_COOKIE)
    if token is None:
        return None
    tablet = await tablet_for_token(request[DB], token)
    if tablet is None:
        raise _RetiredTablet
    return tablet


def tablet_idle() -> dict[str, Any]:
    """Template arguments that send a tablet's PIN page back to the faces."""
    return {"body_attrs": {"data-idle-url": "/t", "data-idle-seconds": str(TABLET_PIN_IDLE)},
            "idle_seconds": TABLET_PIN_IDLE}


async def _open_invite(request: web.Request) -> YoungPerson | None:
    return await pins.setting_up(request[DB], request.match_info["code"],
                                 request.app[RUNTIME].clock.now())


async def setup_form(request: web.Request) -> web.Response:
    try:
        tablet = await this_tablet(request)
    except _RetiredTablet:
        return not_set_up(request)
    person = await _open_invite(request)
    if person is None:
        return link_not_working(request)
    set_locale(person.locale)
    await sessions.ensure(request)
    kind = request.query.get("kind", "digits")
    return render(request, "pin_setup.html", kind=kind if kind in pins.KINDS else "digits",
                  pictures=pins.PICTURES, message=flash(request), action=request.path,
                  **(tablet_idle() if tablet else {}))


def pin_from(form) -> str:
    if form.get("kind") == "pictures":
        return "".join(str(form.get(f"p{i}", "")) for i in range(1, pins.PIN_LENGTH + 1))
    return str(form.get("pin", "")).strip()


def _confirm_from(form) -> str:
    if form.get("kind") == "pictures":
        return "".join(str(form.get(f"q{i}", "")) for i in range(1, pins.PIN_LENGTH + 1))
    return str(form.get("pin2", "")).strip()


async def setup(request: web.Request) -> web.Response:
    try:
        tablet = await this_tablet(request)
    except _RetiredTablet:
        return not_set_up(request)
    person = await _open_invite(request)
    if person is None:
        return link_not_working(request)
    form = await request.post()
    kind = str(form.get("kind", "digits"))
    pin = pin_from(form)
    back = f"{request.path}?kind={kind if kind in pins.KINDS else 'digits'}"
    if not pins.valid_pin(kind, pin):
        return see_other(back + "&m=invalid")
    if pin != _confirm_from(form):
        return see_other(back + "&m=nomatch")
    if pins.too_easy(kind, pin):
        return see_other(back + "&m=easy")
    runtime = request.app[RUNTIME]
    now = runtime.clock.now()
    if await redeem(request[DB], request.match_info["code"], purpose="web", now=now) is None:
        return link_not_working(request)
    await pins.set_pin(request[DB], runtime.vault, person, kind, pin, now)
    await sign_in(request, person, tablet)
    # On a tablet the personal link is never shown: the next person would see it.
    return see_other("/me" if tablet else "/me/link")


async def my_link(request: web.Request) -> web.Response:
    person = await current_person(request)
    row = request.get(SESSION)
    if person is None or row is None or row.tablet_id is not None:
        return see_other("/")
    set_locale(person.locale)
    login = await pins.login_of(request[DB], person.id)
    if login is None:
        return see_other("/me")
    code = await pins.personal_link_code(request[DB], request.app[RUNTIME].vault, login)
    return render(request, "my_link.html", new=request.query.get("new") == "1",
                  link=f"{request.app[RUNTIME].settings.public_url}/p/{code}")


async def new_link(request: web.Request) -> web.Response:
    """"Get a new link": the old one stops working, and any other browser signed in
    as them (someone who found the old link) is signed out."""
    person = await current_person(request)
    row = request.get(SESSION)
    if person is None or row is None or row.tablet_id is not None:
        return see_other("/")
    code = await pins.rotate_personal_link(
        request[DB], request.app[RUNTIME].vault, person.id, request.app[RUNTIME].clock.now(),
        actor_kind="young_person", actor_id=person.id, keep_session=row.id_hash)
    return see_other("/me/link?new=1" if code else "/me")


async def _login_and_person(request: web.Request) -> tuple[WebLogin, YoungPerson] | None:
    """The personal link's login and its young person, speaking their language."""
    found = await pins.login_by_link(request[DB], request.match_info["code"])
    if found is not None:
        set_locale(found[1].locale)
    return found


async def pin_form(request: web.Request) -> web.Response:
    try:
        tablet = await this_tablet(request)
    except _RetiredTablet:
        return not_set_up(request)
    found = await _login_and_person(request)
    if found is None:
        return link_not_working(request)
    login, person = found
    await sessions.ensure(request)
    now = request.app[RUNTIME].clock.now()
    if tablet is not None and pins.tablet_locked(tablet, now):
        return locked_page(request, now, tablet.locked_until, tablet=True)
    if pins.is_locked(login, now):
        return locked_page(request, now, login.locked_until,
                           told=await pins.keyworker_told(request[DB], person))
    return render(request, "pin_enter.html", kind=login.pin_kind, pictures=pins.PICTURES,
                  message=flash(request), action=request.path, who=None, back=None,
                  **(tablet_idle() if tablet else {}))


def locked_page(request: web.Request, now: datetime, until: datetime | None, *,
                tablet: bool = False, told: bool = True) -> web.Response:
    """``told``: whether their keyworker could be told of the lock-out (never say so
    when they could not)."""
    rest = pins.how_long(until - now) if until is not None else pins.how_long(pins.RESTS[0])
    if tablet:
        text = _("Too many wrong PINs on this tablet. Please ask a member of staff.")
    elif told:
        text = _("Too many wrong tries, so this link is resting for {time}. "
                 "Your keyworker has been told, so they can help.").format(time=rest)
    else:
        text = _("Too many wrong tries, so this link is resting for {time}. "
                 "If you need help, please ask an adult where you are.").format(time=rest)
    return render(request, "message.html", status=429, title=_("Let's take a break"), text=text,
                  link=("/t", _("Back")) if tablet else None)


async def pin_login(request: web.Request) -> web.Response:
    try:
        tablet = await this_tablet(request)
    except _RetiredTablet:
        return not_set_up(request)
    found = await _login_and_person(request)
    if found is None:
        return link_not_working(request)
    login, person = found
    return await attempt_sign_in(request, login, person, tablet)


async def attempt_sign_in(
    request: web.Request, login: WebLogin, person: YoungPerson, tablet: Tablet | None = None
) -> web.Response:
    """Check the posted PIN; sign in on success. Every outcome is a redirect, so the
    PIN is never left in the browser's history to be re-posted."""
    runtime = request.app[RUNTIME]
    form = await request.post()
    attempt = await pins.try_pin(request[DB], runtime.vault, login, pin_from(form),
                                 runtime.clock.now(), tablet=tablet)
    if attempt.locked_until is not None:
        return see_other(request.path)  # the GET shows the resting page
    if not attempt.ok:
        return see_other(f"{request.path}?m=wrong")
    await sign_in(request, person, tablet)
    return see_other("/me")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", front)
    app.router.add_get("/j/{code}", setup_form)
    app.router.add_post("/j/{code}", setup)
    app.router.add_get("/me/link", my_link)
    app.router.add_post("/me/link/new", new_link)
    app.router.add_get("/p/{code}", pin_form)
    app.router.add_post("/p/{code}", pin_login)
