""""My data" on the web: what Heard holds about the signed-in young person, in their
language (``domain.my_data``), the same as a PDF, and "Delete my data" with a confirm
step (and "Stop my request" while it waits).

Only for the signed-in young person: on a unit tablet that is the one who gave their
PIN, and it is gone when they leave (or after a quiet minute, like every tablet page);
a shared tablet makes no PDF, which would stay in its downloads for the next person.
Nothing here is cached (``no-store``).
"""

from __future__ import annotations

from typing import Any

import logging

from aiohttp import web

from core.i18n import _, set_locale
from domain.my_data import (
    DataRequestError,
    decision_promise,
    MyData,
    ask_to_erase,
    my_data,
    open_request,
    withdraw,
)
from web.keys import DB, RUNTIME, SESSION
from web.pdf import PdfUnavailable, render_pdf
from web.people import current_person
from web.sessions import DATA_DELETED_PATH, DEVICE_COOKIE
from web.templating import render, see_other
from web.unit_of_work import read_only

log = logging.getLogger(__name__)

PATH = "/me/my-data"
NO_STORE = {"Cache-Control": "no-store"}
# A quiet minute on a shared tablet, as on the check-in page (web/checkin_routes.py).
TABLET_IDLE = 60


def _on_tablet(request: web.Request) -> bool:
    row = request.get(SESSION)
    return row is not None and row.tablet_id is not None


def _tablet_attrs(request: web.Request) -> dict[str, Any]:
    """On a tablet, the page goes back to the start after a quiet minute."""
    if not _on_tablet(request):
        return {}
    return {"body_attrs": {"data-idle-url": "/t/leave", "data-idle-seconds": str(TABLET_IDLE)},
            "idle_seconds": TABLET_IDLE}


async def _data(request: web.Request, person) -> MyData:
    runtime = request.app[RUNTIME]
    return await my_data(request[DB], runtime.vault, person, runtime.clock.now(),
                         channel="web",
                         decision_days=runtime.settings.erase_decision_days)


def _flash(request: web.Request) -> str | None:
    return {
        "asked": _("We have asked your service."),
        "stopped": _("OK. Your request is stopped. Your data stays."),
    }.get(request.query.get("m", ""))


@read_only
async def page(request: web.Request) -> web.Response:
    person = await current_person(request)
    if person is None:
        return see_other("/")
    set_locale(person.locale)
    data = await _data(request, person)
    response = render(request, "my_data.html", data=data, flash=_flash(request),
                      pdf=not _on_tablet(request), **_tablet_attrs(request))
    response.headers.update(NO_STORE)
    return response


async def my_data_pdf(data: MyData) -> bytes:
    """The same words as the page, laid out as a PDF (in the current language)."""
    return await render_pdf("my_data_pdf.html", data=data)


async def my_data_pdf_or_none(data: MyData) -> bytes | None:
    """For the outbox: the PDF, or None where PDFs cannot be made here."""
    try:
        return await my_data_pdf(data)
    except PdfUnavailable as exc:
        log.error("my data PDF not made: %s", exc)
        return None


@read_only
async def pdf(request: web.Request) -> web.Response:
    person = await current_person(request)
    if person is None:
        return see_other("/")
    set_locale(person.locale)
    if _on_tablet(request):
        response = render(request, "message.html", status=404, title=_("My data"),
                          text=_("A shared tablet does not make a PDF, so nobody else can find "
                                 "it here. You can read it all on the \u201cMy data\u201d page, "
                                 "or save it on your own phone."),
                          link=(PATH, _("Back")), **_tablet_attrs(request))
        response.headers.update(NO_STORE)
        return response
    try:
        body = await my_data_pdf(await _data(request, person))
    except PdfUnavailable as exc:
        log.error("my data PDF not made: %s", exc)
        response = render(request, "message.html", status=503, title=_("My data"),
                          text=_("Sorry, the PDF cannot be made here just now. You can still "
                                 "read all of it on the \u201cMy data\u201d page."),
                          link=(PATH, _("Back")))
        response.headers.update(NO_STORE)
        return response
    return web.Response(body=body, content_type="application/pdf", headers={
        "Content-Disposition": 'inline; filename="my-data.pdf"', **NO_STORE})


@read_only
async def confirm_delete(request: web.Request) -> web.Response:
    person = await current_person(request)
    if person is None:
        return see_other("/")
    set_locale(person.locale)
    if await open_request(request[DB], person) is not None:
        return see_other(PATH)
    response = render(request, "my_data_delete.html",
                      days=request.app[RUNTIME].settings.erase_decision_days,
                      promise=decision_promise(person), **_tablet_attrs(request))
    response.headers.update(NO_STORE)
    return response


async def delete(request: web.Request) -> web.Response:
    person = await current_person(request)
    if person is None:
        return see_other("/")
    runtime = request.app[RUNTIME]
    await ask_to_erase(request[DB], runtime.vault, person, channel="web",
                       now=runtime.clock.now(),
                       decision_days=runtime.settings.erase_decision_days)
    return see_other(f"{PATH}?m=asked")


async def stop(request: web.Request) -> web.Response:
    person = await current_person(request)
    if person is None:
        return see_other("/")
    set_locale(person.locale)
    form = await request.post()
    try:
        await withdraw(request[DB], person, str(form.get("request", ""))[:40],
                       request.app[RUNTIME].clock.now())
    except DataRequestError as exc:
        response = render(request, "message.html", status=400, title=_("My data"),
                          text=str(exc), link=(PATH, _("Back")))
        response.headers.update(NO_STORE)
        return response
    return see_other(f"{PATH}?m=stopped")


async def data_deleted(request: web.Request) -> web.Response:
    """Where a browser lands once after the young person's data was deleted at their
    request (``web.sessions``): it names nobody and shows nothing of theirs."""
    response = render(request, "message.html", title=_("Your data is deleted"),
                      text=_("You asked for your data in Heard to be deleted, and your service "
                             "said yes. It is gone now. Your link and PIN do not work any "
                             "more. Thank you for using Heard."),
                      link=("/t", _("OK")) if request.cookies.get(DEVICE_COOKIE) else None)
    response.headers.update(NO_STORE)
    return response


def add_routes(app: web.Application) -> None:
    app.router.add_get(DATA_DELETED_PATH, data_deleted)
    app.router.add_get(PATH, page)
    app.router.add_get(PATH + ".pdf", pdf)
    app.router.add_get(PATH + "/delete", confirm_delete)
    app.router.add_post(PATH + "/delete", delete)
    app.router.add_post(PATH + "/stop", stop)
