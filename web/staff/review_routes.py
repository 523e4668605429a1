"""A young person's review summary (PDF), made by their keyworker from their page.
The same gate as the page (``domain.desk.person_for``); every summary is audited and
the young person is told (``domain.review``)."""

from __future__ import annotations

import base64
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from aiohttp import web
from babel.dates import format_date

from core.i18n import current_locale, dates_locale
from domain import desk, review, review_prep
from domain.desk import when_text
from domain.strips import overview_png
from web.card_images import card_png
from web.keys import DB, RUNTIME
from web.pdf import PdfUnavailable, render_pdf
from web.staff.desk_routes import KEYWORKERS, LABELS
from web.staff.kpi_routes import pdf_missing
from web.staff.pages import desk_page, not_found, source

if TYPE_CHECKING:  # a type only: channels never touch storage
    from storage.models import Staff

log = logging.getLogger(__name__)


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _day(value: datetime | object) -> str:
    return format_date(value, "d MMMM yyyy", locale=dates_locale(current_locale()))  # type: ignore[arg-type]


@desk_page(*KEYWORKERS)
async def review_pdf(request: web.Request, staff: Staff) -> web.Response:
    runtime = request.app[RUNTIME]
    now = runtime.clock.now()
    person = await desk.person_for(request[DB], staff, request.match_info["person_id"],
                                   what="review", source=source(request), now=now)
    if person is None:
        return not_found(request)
    form = await request.post()
    tz: ZoneInfo = await desk.service_timezone(request[DB], staff)
    dates = review.date_range(str(form.get("from", "")).strip() or None,
                              str(form.get("to", "")).strip() or None, now.astimezone(tz).date())
    vault = runtime.vault
    entries = await review.review_entries(request[DB], vault, person, dates, tz)
    nickname = await desk.nickname_of(request[DB], vault, person) or "?"
    # What they chose to share for their review, in their words; never when not shared.
    prep = await review_prep.shared_for_review(request[DB], vault, person)
    last_monday = dates.last - timedelta(days=dates.last.weekday())
    strip = await overview_png(request[DB], vault, person, last_monday, current_locale())
    try:
        data = await render_pdf(
            "staff/review_pdf.html", nickname=nickname, entries=entries,
            prep_lines=prep[0] if prep else None,
            range_text=f"{_day(dates.first)} \u2013 {_day(dates.last)}",
            made_by=staff.name, made_on=_day(now.astimezone(tz).date()),
            strip=_data_uri(strip), strip_until=_day(dates.last),
            when=lambda at: when_text(at, tz),
            card_picture=lambda card_id: _data_uri(card_png(card_id, 96)), **LABELS)
    except PdfUnavailable as exc:
        log.error("review summary not made: %s", exc)
        return await pdf_missing(request)
    # Recorded only once the PDF exists: the young person is told the truth.
    await review.record_export(request[DB], vault, staff, person, dates, now, tz)
    return web.Response(body=data, headers={
        "Content-Type": "application/pdf",
        "Content-Disposition": f'attachment; filename="review-{dates.first}-{dates.last}.pdf"',
        "Cache-Control": "no-store",
    })


def add_routes(app: web.Application) -> None:
    app.router.add_post("/staff/young-people/{person_id}/review.pdf", review_pdf)
