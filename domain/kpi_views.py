"""What the lead's and commissioner's KPI pages, CSV and PDF show, and who may see it.

The figures themselves come from ``domain.kpi`` (the one disclosure rule); this module
picks the months, the services a member of staff may see, the 12-month trend and the
rows of the table the page, the CSV and the PDF share.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import _, current_locale, dates_locale
from domain.audit_log import safe_cell
from domain.kpi import service_kpis, services_kpis
from domain.records import LISTENED_ANSWERS, LISTENED_WHO
from storage.models import Service, Staff, StaffService

KPI_ROLES = ("lead", "commissioner")
TREND_MONTHS = 12
MAX_MONTHS = 120  # ten years in one table is plenty
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


# -- who sees which service ------------------------------------------------------------------


async def services_of(session: AsyncSession, staff: Staff) -> list[Service]:
    """A lead: their own service. A commissioner: the services they were given."""
    if staff.role == "lead":
        service = await session.get(Service, staff.service_id)
        return [service] if service else []
    if staff.role == "commissioner":
        return list((await session.scalars(
            select(Service).join(StaffService, StaffService.service_id == Service.id)
            .where(StaffService.staff_id == staff.id).order_by(Service.name))).all())
    return []


async def service_for(session: AsyncSession, staff: Staff, service_id: str) -> Service | None:
    """The service, if this member of staff may see its totals; else None (a 404)."""
    return next((s for s in await services_of(session, staff) if s.id == service_id), None)


# -- months ------------------------------------------------------------------------------------


def add_months(month: str, n: int) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + (mon - 1) + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(first: str, last: str) -> list[str]:
    out, month = [], first
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


def this_month(now: datetime, tz: ZoneInfo) -> str:
    return now.astimezone(tz).strftime("%Y-%m")


@dataclass(frozen=True)
class MonthRange:
    first: str
    last: str
    problem: str | None = None  # said kindly above the page when the asked range was odd

    @property
    def months(self) -> list[str]:
        return months_between(self.first, self.last)


def month_range(asked_from: str | None, asked_to: str | None, current: str) -> MonthRange:
    """The months asked for (YYYY-MM), or the last 12 months with a kind word why."""
    default = MonthRange(add_months(current, -(TREND_MONTHS - 1)), current)
    if not asked_from and not asked_to:
        return default
    first = (asked_from or "").strip()
    last = (asked_to or "").strip() or current
    if not first:
        first = add_months(last, -(TREND_MONTHS - 1)) if _MONTH.match(last) else ""
    if not (_MONTH.match(first) and _MONTH.match(last)):
        return MonthRange(default.first, default.last,
                          _("Months look like 2026-04. Showing the last 12 months instead."))
    if first > last:
        first, last = last, first
    if len(months_between(first, last)) > MAX_MONTHS:
        return MonthRange(add_months(last, -(MAX_MONTHS - 1)), last,
                          _("That is more than ten years. Showing the last ten years of it."))
    return MonthRange(first, last)


def month_label(month: str) -> str:
    return format_date(date(int(month[:4]), int(month[5:7]), 1), "MMM yyyy",
                       locale=dates_locale(current_locale()))


def range_label(months: MonthRange) -> str:
    if months.first == months.last:
        return month_label(months.first)
    return _("{first} to {last}").format(first=month_label(months.first),
                                         last=month_label(months.last))


# -- the figures -------------------------------------------------------------------------------


async def lead_view(session: AsyncSession, service: Service, months: MonthRange) -> dict[str, Any]:
    """The chosen months' figures, and the trend: the 12 months up to the last one."""
    report = await service_kpis(session, service, months.first, months.last)
    trend_from = add_months(months.last, -(TREND_MONTHS - 1))
    trend = report if trend_from == months.first else await service_kpis(
        session, service, trend_from, months.last)
    return {"report": report, "trend": trend_rows(trend, months_between(trend_from, months.last))}


async def commissioner_view(session: AsyncSession, services: list[Service],
                            months: MonthRange) -> dict[str, Any]:
    return await services_kpis(session, services, months.first, months.last)


@dataclass(frozen=True)
class TrendPoint:
    month: str
    label: str
    answers: int | None
    listened: int | None
    satisfaction_answers: int | None
    satisfied: int | None


def trend_rows(report: dict[str, Any], months: list[str]) -> list[TrendPoint]:
    """One point a month, empty months included (0 answers, no percentage)."""
    by_month = {m["month"]: m for m in report["months"]}
    out = []
    for month in months:
        row = by_month.get(month)
        listened = row["listened_to"] if row else {"total": 0, "percent_at_least_a_little": None}
        satisfaction = row["satisfaction"] if row else {"total": 0, "percent_satisfied": None}
        out.append(TrendPoint(month, month_label(month), listened["total"],
                              listened["percent_at_least_a_little"], satisfaction["total"],
                              satisfaction["percent_satisfied"]))
    return out


# -- the table the page, the CSV and the PDF share --------------------------------------------


def count_text(n: int | None) -> str:
    return _("fewer than 5") if n is None else str(n)


def percent_text(p: int | None, total: int | None) -> str:
    if p is not None:
        return f"{p}%"
    return _("no answers") if total == 0 else _("not shown (small numbers)")


def csv_header() -> list[str]:
    return [_("Service"), _("Months"), _("Who listened"), _("Answers"),
            _("At least a little listened to (%)"), _("Yes, totally (%)"),
            *[_(label) for label in LISTENED_ANSWERS.values()],
            _("Satisfaction answers"), _("Satisfied (%)")]


def _csv_row(service: str, months: str, who: str, listened: dict[str, Any],
             satisfaction: dict[str, Any] | None) -> list[str]:
    row = [service, months, who, count_text(listened["total"]),
           percent_text(listened["percent_at_least_a_little"], listened["total"]),
           percent_text(listened["percent_totally"], listened["total"]),
           *[count_text(listened["counts"][k]) for k in LISTENED_ANSWERS]]
    if satisfaction is None:
        return row + ["", ""]
    return row + [count_text(satisfaction["total"]),
                  percent_text(satisfaction["percent_satisfied"], satisfaction["total"])]


def table_rows(name: str, summary: dict[str, Any], months: MonthRange, *,
               iso: bool = False) -> list[list[str]]:
    """Month by month, then all the months, then by who listened (all the months).
    ``iso``: months as 2026-04 (the CSV, for sorting), else as words (pages)."""
    everyone = _("Everyone")
    label = (lambda m: m) if iso else month_label
    rows = [_csv_row(name, label(m["month"]), everyone, m["listened_to"], m["satisfaction"])
            for m in summary["months"]]
    span = f"{months.first} \u2013 {months.last}" if iso else range_label(months)
    rows.append(_csv_row(name, span, everyone, summary["listened_to"], summary["satisfaction"]))
    for who, who_label in LISTENED_WHO.items():
        rows.append(_csv_row(name, span, _(who_label), summary["by_who"][who], None))
    return rows


def kpi_csv(rows: list[list[str]]) -> bytes:
    """UTF-8 with a byte-order mark (spreadsheets read it right), no cell a formula."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(c) for c in csv_header()])
    for row in rows:
        writer.writerow([safe_cell(c) for c in row])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")
