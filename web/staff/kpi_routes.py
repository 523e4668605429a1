"""The "felt listened to" KPI pages: a lead's service (page, CSV, PDF) and a
commissioner's services side by side. Totals only, by ``domain.kpi``'s rules; another
service's address is the same 404 as a page that does not exist."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web
from babel.dates import format_date
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import _, current_locale, dates_locale
from domain import kpi_views
from domain.audit_log import staff_action
from domain.desk import service_timezone
from domain.kpi import publishable, service_kpis
from domain.you_said import changes_in_months
from domain.records import LISTENED_WHO
from web.keys import DB, RUNTIME
from web.staff.kpi_chart import trend_chart
from web.staff.pages import desk_page, not_found, page, source
from web.pdf import PdfUnavailable, render_pdf
from web.templating import see_other

if TYPE_CHECKING:  # types only: channels never touch storage
    from storage.models import Service, Staff

log = logging.getLogger(__name__)


def _months(request: web.Request, current: str) -> kpi_views.MonthRange:
    return kpi_views.month_range(request.query.get("from"), request.query.get("to"), current)


async def _current_month(request: web.Request, staff: Staff) -> str:
    tz = await service_timezone(request[DB], staff)
    return kpi_views.this_month(request.app[RUNTIME].clock.now(), tz)


def _audit(request: web.Request, staff: Staff, action: str, what: str,
           months: kpi_views.MonthRange) -> None:
    staff_action(request[DB], staff, action, request.app[RUNTIME].clock.now(),
                 detail=f"{what} {months.first}..{months.last} from={source(request)}")


async def _service(request: web.Request, staff: Staff) -> Service | None:
    service = await kpi_views.service_for(request[DB], staff, request.match_info["service_id"])
    if service is None:
        staff_action(request[DB], staff, "desk.refused", request.app[RUNTIME].clock.now(),
                     detail=f"kpi {request.path[:120]} from={source(request)}")
    return service


async def lead_context(request: web.Request, staff: Staff,
                       service: Service) -> tuple[kpi_views.MonthRange, dict[str, Any]]:
    """What the page and its PDF both show."""
    months = _months(request, await _current_month(request, staff))
    return months, await page_context(request[DB], service, months)


async def page_context(session: AsyncSession, service: Service,
                       months: kpi_views.MonthRange) -> dict[str, Any]:
    """The lead page's figures, chart and links (the page, its PDF, the CLI's PDF)."""
    view = await kpi_views.lead_view(session, service, months)
    query = f"?from={months.first}&to={months.last}"
    changed = await changes_in_months(session, service.id, service.timezone, months.first,
                                      months.last)
    return {
        "service": service, "months": months, "view": view, "problem": months.problem,
        # Rounded and hidden below 5 like every other count on the page.
        "changed": publishable(changed),
        "range_text": kpi_views.range_label(months), "chart": trend_chart(view["trend"]),
        "who_labels": [(k, _(v)) for k, v in LISTENED_WHO.items()],
        "csv_url": f"/staff/services/{service.id}/kpi.csv{query}",
        "pdf_url": f"/staff/services/{service.id}/kpi.pdf{query}",
    }


@desk_page(*kpi_views.KPI_ROLES)
async def kpi_home(request: web.Request, staff: Staff) -> web.Response:
    if staff.role == "commissioner":
        return see_other("/staff/commissioner")
    return see_other(f"/staff/services/{staff.service_id}/kpi")


@desk_page(*kpi_views.KPI_ROLES)
async def kpi_page(request: web.Request, staff: Staff) -> web.Response:
    service = await _service(request, staff)
    if service is None:
        return not_found(request)
    months, context = await lead_context(request, staff, service)
    _audit(request, staff, "kpi.viewed", service.id, months)
    return await page(request, "staff/kpi.html", pdf=False, **context)


@desk_page(*kpi_views.KPI_ROLES)
async def kpi_csv(request: web.Request, staff: Staff) -> web.Response:
    service = await _service(request, staff)
    if service is None:
        return not_found(request)
    months = _months(request, await _current_month(request, staff))
    report = await service_kpis(request[DB], service, months.first, months.last)
    data = kpi_views.kpi_csv(kpi_views.table_rows(service.name, report, months, iso=True))
    _audit(request, staff, "kpi.csv_downloaded", service.id, months)
    return _download(data, "text/csv; charset=utf-8",
                     f"heard-kpi-{months.first}-{months.last}.csv")


@desk_page(*kpi_views.KPI_ROLES)
async def kpi_pdf(request: web.Request, staff: Staff) -> web.Response:
    service = await _service(request, staff)
    if service is None:
        return not_found(request)
    months, context = await lead_context(request, staff, service)
    try:
        data = await render_pdf("staff/kpi_pdf.html", made_on=_today(request), **context)
    except PdfUnavailable as exc:
        log.error("KPI PDF not made: %s", exc)
        return await pdf_missing(request)
    _audit(request, staff, "kpi.pdf_downloaded", service.id, months)
    return _download(data, "application/pdf", f"heard-kpi-{months.first}-{months.last}.pdf")


def _today(request: web.Request) -> str:
    return made_on(request.app[RUNTIME].clock.now())


def made_on(now: datetime) -> str:
    return format_date(now.date(), "d MMMM yyyy", locale=dates_locale(current_locale()))


async def pdf_missing(request: web.Request) -> web.Response:
    """The page and the CSV still work; say plainly what the server lacks."""
    return await page(request, "staff/message.html", status=503, title=_("No PDF just now"),
                      text=_("This server cannot make PDFs yet: it is missing a part called "
                             "Pango. Please ask whoever looks after Heard to install it. The "
                             "page and the CSV download still work."),
                      link=(request.path.rsplit(".", 1)[0], _("Back to the page")))


@desk_page("commissioner")
async def commissioner_page(request: web.Request, staff: Staff) -> web.Response:
    services = await kpi_views.services_of(request[DB], staff)
    months = _months(request, await _current_month(request, staff))
    view = await kpi_views.commissioner_view(request[DB], services, months)
    _audit(request, staff, "kpi.commissioner_viewed", f"{len(services)} services", months)
    query = f"?from={months.first}&to={months.last}"
    return await page(request, "staff/commissioner.html", view=view, months=months,
                      services=services, problem=months.problem,
                      range_text=kpi_views.range_label(months), query=query,
                      who_labels=[(k, _(v)) for k, v in LISTENED_WHO.items()],
                      csv_url=f"/staff/commissioner.csv{query}")


@desk_page("commissioner")
async def commissioner_csv(request: web.Request, staff: Staff) -> web.Response:
    services = await kpi_views.services_of(request[DB], staff)
    months = _months(request, await _current_month(request, staff))
    view = await kpi_views.commissioner_view(request[DB], services, months)
    rows: list[list[str]] = []
    for one in view["services"]:
        rows += kpi_views.table_rows(one["service"], one, months, iso=True)
    rows += kpi_views.table_rows(_("All your services"), view["total"], months, iso=True)
    _audit(request, staff, "kpi.csv_downloaded", f"{len(services)} services", months)
    return _download(kpi_views.kpi_csv(rows), "text/csv; charset=utf-8",
                     f"heard-kpi-services-{months.first}-{months.last}.csv")


def _download(data: bytes, content_type: str, filename: str) -> web.Response:
    return web.Response(body=data, headers={
        "Content-Type": content_type,
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    })


def add_routes(app: web.Application) -> None:
    app.router.add_get("/staff/kpi", kpi_home)
    app.router.add_get("/staff/services/{service_id}/kpi", kpi_page)
    app.router.add_get("/staff/services/{service_id}/kpi.csv", kpi_csv)
    app.router.add_get("/staff/services/{service_id}/kpi.pdf", kpi_pdf)
    app.router.add_get("/staff/commissioner", commissioner_page)
    app.router.add_get("/staff/commissioner.csv", commissioner_csv)
