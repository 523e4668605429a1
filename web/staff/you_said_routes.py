"""A lead's "You said, we did" page: unit-wide notes made from themes (never naming
anyone), shown to that unit's young people on the web home and with /yousaid; and the
total of check-ins that led to a recorded change, this month and last."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from aiohttp import web

from core.i18n import _
from domain import desk, you_said
from web.keys import DB, RUNTIME
from web.staff.pages import desk_page, not_found, page
from web.templating import see_other

if TYPE_CHECKING:  # a type only: channels never touch storage
    from storage.models import Staff

PATH = "/staff/you-said"


async def _page(request: web.Request, actor: Staff, *, problem: str | None = None,
                draft: str = "", status: int = 200) -> web.Response:
    runtime = request.app[RUNTIME]
    tz = await desk.service_timezone(request[DB], actor)
    today = runtime.clock.now().astimezone(tz).date()
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)

    def at(day):
        return datetime.combine(day, time.min, tz)

    totals = [
        (_("This month"), await you_said.checkins_with_a_change(
            request[DB], actor.service_id, at(this_month), at(today + timedelta(days=1)))),
        (_("Last month"), await you_said.checkins_with_a_change(
            request[DB], actor.service_id, at(last_month), at(this_month))),
    ]
    notes = [(n, desk.when_text(n.created_at, tz))
             for n in await you_said.service_notes(request[DB], actor.service_id)]
    flash = {"posted": _("Posted. Young people in that unit can see it now."),
             "removed": _("Removed.")}.get(request.query.get("m", ""))
    return await page(request, "staff/you_said.html", status=status, notes=notes,
                      units=await you_said.units_of(request[DB], actor.service_id),
                      totals=totals, problem=problem, draft=draft, flash=flash,
                      note_limit=you_said.NOTE_LIMIT)


@desk_page(*you_said.LEAD_ROLES)
async def notes_page(request: web.Request, actor: Staff) -> web.Response:
    return await _page(request, actor)


@desk_page(*you_said.LEAD_ROLES)
async def post_note(request: web.Request, actor: Staff) -> web.Response:
    runtime = request.app[RUNTIME]
    form = await request.post()
    text = str(form.get("note", ""))[:4000]
    unit = str(form.get("unit", ""))[:100] or None
    result = await you_said.post_unit_note(request[DB], runtime.vault, actor, unit, text,
                                           runtime.clock.now())
    if not result.ok:
        return await _page(request, actor, problem=result.problem or _("Something went wrong, "
                                                                       "try again."),
                           draft=text[:2000], status=400)
    return see_other(f"{PATH}?m=posted")


@desk_page(*you_said.LEAD_ROLES)
async def remove_note(request: web.Request, actor: Staff) -> web.Response:
    removed = await you_said.remove_unit_note(request[DB], actor, request.match_info["note_id"],
                                              request.app[RUNTIME].clock.now())
    if not removed:
        return not_found(request)
    return see_other(f"{PATH}?m=removed")


def add_routes(app: web.Application) -> None:
    app.router.add_get(PATH, notes_page)
    app.router.add_post(PATH, post_note)
    app.router.add_post(PATH + "/{note_id}/remove", remove_note)
