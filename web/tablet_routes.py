"""A shared unit tablet: enrolling it, the start screen of faces, and the PIN.

Each young person signs in to a fresh session and signs out when they finish or
after a minute of quiet, so the next person sees nothing of them.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from aiohttp import web

from core.i18n import _, set_locale
from domain import pins
from domain.tablets import enrol, enrolment_is_open, nickname, person_on, tablet_for_token, unit_faces
from web import sessions
from web.keys import DB, RUNTIME, SESSION
from web.phone_routes import attempt_sign_in, flash, locked_page, not_set_up, tablet_idle
from web.sessions import DEVICE_COOKIE
from web.templating import render, see_other

if TYPE_CHECKING:
    from storage.models import Tablet, WebLogin, YoungPerson

# Colours for the faces on the start screen (classes face-0..face-7 in heard.css:
# the CSP allows no inline styles).
AVATAR_COLOURS = 8


def avatar_colour(person_id: str) -> int:
    return hashlib.sha256(person_id.encode()).digest()[0] % AVATAR_COLOURS


async def _tablet(request: web.Request) -> Tablet | None:
    return await tablet_for_token(request[DB], request.cookies.get(DEVICE_COOKIE))


async def enrol_form(request: web.Request) -> web.Response:
    now = request.app[RUNTIME].clock.now()
    if not await enrolment_is_open(request[DB], request.match_info["code"], now):
        return render(request, "message.html", status=404, title=_("This link isn't working"),
                      text=_("It may be old or already used. Make a new one."))
    await sessions.ensure(request)
    return render(request, "enrol.html", action=request.path)


async def enrol_post(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    token = await enrol(request[DB], request.match_info["code"], runtime.clock.now())
    if token is None:
        return render(request, "message.html", status=404, title=_("This link isn't working"),
                      text=_("It may be old or already used. Make a new one."))
    response = see_other("/t")
    response.set_cookie(DEVICE_COOKIE, token, max_age=400 * 24 * 3600, httponly=True,
                        samesite="Strict", path="/",
                        secure=runtime.settings.public_url.startswith("https://"))
    return response


async def start_screen(request: web.Request) -> web.Response:
    tablet = await _tablet(request)
    if tablet is None:
        return not_set_up(request)
    row = request.get(SESSION)
    if row is not None and row.young_person_id is not None:
        await sessions.end(request)  # back at the start: whoever was here has gone
    await sessions.ensure(request)
    unit = await unit_faces(request[DB], request.app[RUNTIME].vault, tablet)
    faces = [{"id": face.person_id, "name": face.nickname, "initial": face.nickname[:1].upper(),
              "colour": avatar_colour(face.person_id), "has_pin": face.has_pin}
             for face in sorted(unit, key=lambda f: f.nickname.lower())]
    return render(request, "tablet_start.html", faces=faces)


async def _person_on(request: web.Request, tablet: Tablet) -> tuple[YoungPerson, WebLogin | None] | None:
    return await person_on(request[DB], tablet, request.match_info["person_id"][:32])


async def pin_form(request: web.Request) -> web.Response:
    tablet = await _tablet(request)
    if tablet is None:
        return not_set_up(request)
    found = await _person_on(request, tablet)
    if found is None:
        return see_other("/t")
    person, login = found
    set_locale(person.locale)
    await sessions.ensure(request)
    name = await nickname(request[DB], request.app[RUNTIME].vault, person)
    if login is None:
        return render(request, "message.html", title=_("Hi {name}!").format(name=name),
                      text=_("You don't have a PIN yet. Please ask a member of staff to help "
                             "you make one."), link=("/t", _("Back")))
    now = request.app[RUNTIME].clock.now()
    if pins.tablet_locked(tablet, now):
        return locked_page(request, now, tablet.locked_until, tablet=True)
    if pins.is_locked(login, now):
        return locked_page(request, now, login.locked_until,
                           told=await pins.keyworker_told(request[DB], person))
    who = {"name": name, "initial": name[:1].upper(), "colour": avatar_colour(person.id)}
    return render(request, "pin_enter.html", kind=login.pin_kind, pictures=pins.PICTURES,
                  message=flash(request), action=request.path, who=who, back="/t",
                  **tablet_idle())


async def pin_login(request: web.Request) -> web.Response:
    tablet = await _tablet(request)
    if tablet is None:
        return not_set_up(request)
    found = await _person_on(request, tablet)
    if found is None or found[1] is None:
        return see_other("/t")
    person, login = found
    assert login is not None
    return await attempt_sign_in(request, login, person, tablet)


async def leave(request: web.Request) -> web.Response:
    await sessions.end(request)
    return see_other("/t")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/tablet/enrol/{code}", enrol_form)
    app.router.add_post("/tablet/enrol/{code}", enrol_post)
    app.router.add_get("/t", start_screen)
    app.router.add_get("/t/who/{person_id}", pin_form)
    app.router.add_post("/t/who/{person_id}", pin_login)
    app.router.add_get("/t/leave", leave)
    app.router.add_post("/t/leave", leave)
