"""Requests from young people to delete their data, decided on the desk by a lead or
an admin of their service (``domain.my_data``): approve (their data is erased, as
``admin erase-young-person`` does) or keep it, with a reason in plain words they are
told. Overdue requests are at the top. (``staff`` is the signed-in ``Staff`` row the
gate hands over; channels name no storage types.) Also the service's two "My data" choices:
staff names shown to young people or not, and the data-protection contact's email."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from core.i18n import _
from domain import my_data
from domain.my_data import DataRequestError, NotYours
from web.keys import DB, RUNTIME
from web.staff.pages import desk_page, not_found, page
from web.templating import see_other

PATH = "/staff/data-requests"


def _flash(request: web.Request) -> str | None:
    return {
        "approved": _("Approved. Their data has been deleted, and they have been told."),
        # A young person on the web only: their link stops working with the erasure, so
        # only a browser still open can be told; nobody is promised more than that.
        "approved-web": _("Approved. Their data has been deleted. They use Heard on the web, "
                          "so they are told only if their page is still open; please tell "
                          "them yourself."),
        "refused": _("Kept. They have been told why."),
        "refused-web": _("Kept. They will be told why the next time they open Heard."),
        "saved": _("Saved."),
    }.get(request.query.get("m", ""))


async def _page(request: web.Request, staff: Any, *, problem: str | None = None,
                status: int = 200) -> web.Response:
    runtime = request.app[RUNTIME]
    rows = await my_data.requests_for_desk(request[DB], runtime.vault, staff,
                                           runtime.clock.now())
    service = await my_data.service_of(request[DB], staff)
    return await page(request, "staff/data_requests.html", status=status, requests=rows,
                      service=service, flash=_flash(request), problem=problem,
                      mail=runtime.settings.mail_enabled, reason_limit=my_data.REASON_LIMIT)


@desk_page(*my_data.DECIDERS)
async def requests_page(request: web.Request, staff: Any) -> web.Response:
    return await _page(request, staff)


@desk_page(*my_data.DECIDERS)
async def approve(request: web.Request, staff: Any) -> web.Response:
    runtime = request.app[RUNTIME]
    try:
        decision = await my_data.approve(request[DB], runtime.vault, staff,
                                         request.match_info["request_id"], runtime.clock.now())
    except NotYours:
        return not_found(request)
    except DataRequestError as exc:
        return await _page(request, staff, problem=str(exc), status=400)
    return see_other(f"{PATH}?m={'approved' if decision.young_person_told else 'approved-web'}")


@desk_page(*my_data.DECIDERS)
async def refuse(request: web.Request, staff: Any) -> web.Response:
    runtime = request.app[RUNTIME]
    form = await request.post()
    try:
        decision = await my_data.refuse(request[DB], runtime.vault, staff,
                                        request.match_info["request_id"],
                             str(form.get("reason", ""))[:my_data.REASON_LIMIT * 4],
                             runtime.clock.now())
    except NotYours:
        return not_found(request)
    except DataRequestError as exc:
        return await _page(request, staff, problem=str(exc), status=400)
    return see_other(f"{PATH}?m={'refused' if decision.young_person_told else 'refused-web'}")


@desk_page(*my_data.DECIDERS)
async def choices(request: web.Request, staff: Any) -> web.Response:
    form = await request.post()
    try:
        await my_data.set_service_choices(
            request[DB], staff, names_shown=form.get("names_shown") == "1",
            data_protection_email=str(form.get("dpo_email", ""))[:320],
            now=request.app[RUNTIME].clock.now())
    except DataRequestError as exc:
        return await _page(request, staff, problem=str(exc), status=400)
    return see_other(f"{PATH}?m=saved")


def add_routes(app: web.Application) -> None:
    app.router.add_get(PATH, requests_page)
    app.router.add_post(PATH + "/choices", choices)
    app.router.add_post(PATH + "/{request_id}/approve", approve)
    app.router.add_post(PATH + "/{request_id}/refuse", refuse)
