"""A young person's own phone: the one-time link to set a PIN (/j/CODE), and their
short personal link to come back with (/p/CODE + PIN)."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from app.i18n import _, set_locale
from storage.models import InviteCode, Tablet, WebLogin, YoungPerson
from storage.repositories import hash_code, redeem_code
from web import pins, sessions
from web.keys import DB, RUNTIME, SESSION
from web.people import current_person, sign_in
from web.tablets import DEVICE_COOKIE
from web.templating import render, see_other

MESSAGES = {
    "wrong": lambda: _("That PIN isn't right. Please try again."),
    "nomatch": lambda: _("The two PINs were not the same. Please try again."),
    "invalid": lambda: _("Please choose 4 numbers, or 4 pictures."),
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


async def _open_invite(request: web.Request) -> YoungPerson | None:
    code = request.match_info["code"]
    if len(code) > 64:
        return None
    row = await request[DB].get(InviteCode, hash_code(code))
    now = request.app[RUNTIME].clock.now()
    if (row is None or row.purpose != "web" or row.used_at is not None
            or (row.expires_at is not None and row.expires_at < now)):
        return None
    return await request[DB].get(YoungPerson, row.subject_id)


async def setup_form(request: web.Request) -> web.Response:
    person = await _open_invite(request)
    if person is None:
        return link_not_working(request)
    set_locale(person.locale)
    await sessions.ensure(request)
    kind = request.query.get("kind", "digits")
    return render(request, "pin_setup.html", kind=kind if kind in pins.KINDS else "digits",
                  pictures=pins.PICTURES, message=flash(request), action=request.path)


def pin_from(form) -> str:  # type: ignore[no-untyped-def]
    if form.get("kind") == "pictures":
        return "".join(str(form.get(f"p{i}", "")) for i in range(1, pins.PIN_LENGTH + 1))
    return str(form.get("pin", "")).strip()


def _confirm_from(form) -> str:  # type: ignore[no-untyped-def]
    if form.get("kind") == "pictures":
        return "".join(str(form.get(f"q{i}", "")) for i in range(1, pins.PIN_LENGTH + 1))
    return str(form.get("pin2", "")).strip()


async def setup(request: web.Request) -> web.Response:
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
    runtime = request.app[RUNTIME]
    now = runtime.clock.now()
    if await redeem_code(request[DB], request.match_info["code"], purpose="web", now=now) is None:
        return link_not_working(request)
    await pins.set_pin(request[DB], runtime.vault, person, kind, pin, now)
    await sign_in(request, person)
    return see_other("/me/link")


async def my_link(request: web.Request) -> web.Response:
    person = await current_person(request)
    row = request.get(SESSION)
    if person is None or row is None or row.tablet_id is not None:
        return see_other("/")
    set_locale(person.locale)
    login = await request[DB].get(WebLogin, person.id)
    assert login is not None
    code = await pins.personal_link_code(request[DB], request.app[RUNTIME].vault, login)
    return render(request, "my_link.html",
                  link=f"{request.app[RUNTIME].settings.public_url}/p/{code}")


async def _login_for(request: web.Request) -> WebLogin | None:
    code = request.match_info["code"]
    if len(code) > 64:
        return None
    return await request[DB].scalar(select(WebLogin).where(WebLogin.link_hash == hash_code(code)))


async def _login_and_person(request: web.Request) -> tuple[WebLogin, YoungPerson] | None:
    """The personal link's login and its young person, speaking their language."""
    login = await _login_for(request)
    if login is None:
        return None
    person = await request[DB].get(YoungPerson, login.young_person_id)
    if person is None:
        return None
    set_locale(person.locale)
    return login, person


async def pin_form(request: web.Request) -> web.Response:
    found = await _login_and_person(request)
    if found is None:
        return link_not_working(request)
    login, _person = found
    await sessions.ensure(request)
    now = request.app[RUNTIME].clock.now()
    if pins.is_locked(login, now):
        return locked_page(request)
    return render(request, "pin_enter.html", kind=login.pin_kind, pictures=pins.PICTURES,
                  message=flash(request), action=request.path, who=None, back=None)


def locked_page(request: web.Request, *, tablet: bool = False) -> web.Response:
    text = (_("Too many wrong PINs on this tablet. Please ask a member of staff.") if tablet
            else _("Too many wrong tries, so this link is resting for 15 minutes. "
                   "Your keyworker has been told, so they can help."))
    return render(request, "message.html", status=429, title=_("Let's take a break"), text=text,
                  link=("/t", _("Back")) if tablet else None)


async def pin_login(request: web.Request) -> web.Response:
    found = await _login_and_person(request)
    if found is None:
        return link_not_working(request)
    login, person = found
    return await attempt_sign_in(request, login, person)


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
    app.router.add_get("/p/{code}", pin_form)
    app.router.add_post("/p/{code}", pin_login)
