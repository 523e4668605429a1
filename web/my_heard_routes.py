"""A young person's "What I've said" on the web: their own check-ins newest first
(cards as pictures, how much, what would help, their words, who saw it, replies and
what changed because of it) and a month of their feelings colours.

Only for the signed-in young person; on a unit tablet it is behind their PIN and
never cached, so it is gone when they leave.
"""

from __future__ import annotations

from aiohttp import web

from core.i18n import set_locale
from domain.my_history import month_start, my_month, what_i_said
from domain.strips import person_timezone
from web.keys import DB, RUNTIME
from web.people import current_person
from web.templating import render, see_other
from web.unit_of_work import read_only

PATH = "/me/said"


def _colour(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


@read_only
async def said(request: web.Request) -> web.Response:
    person = await current_person(request)
    if person is None:
        return see_other("/")
    set_locale(person.locale)
    runtime = request.app[RUNTIME]
    db = request[DB]
    tz = await person_timezone(db, person)
    now = runtime.clock.now()
    today = now.astimezone(tz).date()
    try:
        page = max(0, min(int(request.query.get("page", "0")), 10_000))
    except ValueError:
        page = 0
    items, older = await what_i_said(db, runtime.vault, person, tz, page)
    month = await my_month(db, runtime.vault, person,
                           month_start(request.query.get("month"), today), tz, today)
    response = render(request, "my_said.html", items=items, page=page, older=older,
                      month=month, colour=_colour)
    response.headers["Cache-Control"] = "no-store"
    return response


def add_routes(app: web.Application) -> None:
    app.router.add_get(PATH, said)
