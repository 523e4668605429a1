"""KPI reports: totals only, built so that no small number can be worked out.

Rules (the usual ones for published statistics about small groups), used by every
page, CSV and PDF — this module is the one place they live:

- a count of 1 to 4 is never shown ("fewer than 5": ``null``); 0 is shown;
- every other count, and every total, is rounded to the nearest 5, so small
  numbers cannot be recovered by subtracting one published figure from another
  (a month from the whole, one question from the month, a service from the total);
- "At least a little listened to (%)" = (a little + mostly + yes, totally) / every
  answer except "I don't know" — the national evaluation's measure (84%, 132/156) —
  shown to the whole percent (halves round up);
- a percentage is shown only when every group it splits the answers into is 0 or at
  least 5, so a percentage cannot reveal a hidden count either. "Yes, totally (%)"
  splits into not at all / a little or mostly / totally, so it cannot be subtracted
  from "% at least a little" to find a small group;
- "Satisfied (%)" = (good + really good) / every satisfaction answer except "I don't know".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.admin import require_service
from domain.records import LISTENED_ANSWERS, LISTENED_WHO, SATISFACTION_ANSWERS, SATISFACTION_QUESTION
from storage.models import Service
from storage.repositories import kpi_counts, kpi_counts_for_services

SUPPRESS_BELOW = 5
ROUND_TO = 5
AT_LEAST_A_LITTLE = ("a_little", "mostly", "totally")
SATISFIED = ("good", "very_good")
# The national evaluation of the secure-estate framework: 132 of 156 (84%).
NATIONAL_REFERENCE_PERCENT = 84

Counts = dict[str, int]


def publishable(n: int) -> int | None:
    """0 stays 0; 1-4 is hidden; anything else is rounded to the nearest 5."""
    if n == 0:
        return 0
    if n < SUPPRESS_BELOW:
        return None
    return max(SUPPRESS_BELOW, ROUND_TO * round(n / ROUND_TO))


def safe_percent(part: int, *groups: int) -> int | None:
    """``part`` as a whole percent of ``part + sum(groups)``, or None when any group
    (``part`` included) is 1-4 or there is nothing to divide by."""
    whole = part + sum(groups)
    if whole == 0 or any(0 < n < SUPPRESS_BELOW for n in (part, *groups)):
        return None
    return (200 * part + whole) // (2 * whole)  # halves round up


def listened_summary(counts: Counts) -> dict[str, Any]:
    total = sum(counts.values())
    totally = counts.get("totally", 0)
    positive = sum(counts.get(k, 0) for k in AT_LEAST_A_LITTLE)
    negative = counts.get("not_at_all", 0)
    return {
        "total": publishable(total),
        "counts": {k: publishable(counts.get(k, 0)) for k in LISTENED_ANSWERS},
        "percent_at_least_a_little": safe_percent(positive, negative),
        "percent_totally": safe_percent(totally, positive - totally, negative),
    }


def satisfaction_summary(counts: Counts) -> dict[str, Any]:
    satisfied = sum(counts.get(k, 0) for k in SATISFIED)
    rated = sum(v for k, v in counts.items() if k != "dont_know")
    return {
        "total": publishable(sum(counts.values())),
        "counts": {k: publishable(counts.get(k, 0)) for k in SATISFACTION_ANSWERS},
        "percent_satisfied": safe_percent(satisfied, rated - satisfied),
    }


def _add(into: Counts, counts: Counts) -> None:
    for k, v in counts.items():
        into[k] = into.get(k, 0) + v


def summarise(rows: Iterable[tuple[str, str, str, int]]) -> dict[str, Any]:
    """The published figures of (month, question, answer, count) rows: overall, by
    who listened, and month by month."""
    by_month: dict[str, dict[str, Counts]] = defaultdict(lambda: defaultdict(dict))
    for month, question, answer, n in rows:
        by_month[month][question][answer] = by_month[month][question].get(answer, 0) + n
    months = []
    listened: Counts = {}
    satisfaction: Counts = {}
    by_who: dict[str, Counts] = {who: {} for who in LISTENED_WHO}
    for month in sorted(by_month):
        questions = {}
        month_listened: Counts = {}
        for question, counts in sorted(by_month[month].items()):
            if question.startswith("listened:"):
                questions[question] = listened_summary(counts)
                _add(month_listened, counts)
                _add(by_who.setdefault(question.split(":", 1)[1], {}), counts)
        month_satisfaction = by_month[month].get(SATISFACTION_QUESTION, {})
        _add(listened, month_listened)
        _add(satisfaction, month_satisfaction)
        months.append({
            "month": month,
            "listened_to": listened_summary(month_listened),
            "by_question": questions,
            "satisfaction": satisfaction_summary(month_satisfaction),
        })
    return {
        "listened_to": listened_summary(listened),
        "by_who": {who: listened_summary(counts) for who, counts in by_who.items()},
        "satisfaction": satisfaction_summary(satisfaction),
        "months": months,
    }


def _header(month_from: str | None, month_to: str | None) -> dict[str, Any]:
    return {"from": month_from, "to": month_to, "suppressed_below": SUPPRESS_BELOW,
            "rounded_to": ROUND_TO, "national_reference_percent": NATIONAL_REFERENCE_PERCENT}


async def service_kpis(
    session: AsyncSession, service: Service, month_from: str | None, month_to: str | None
) -> dict[str, Any]:
    rows = await kpi_counts(session, service.id, month_from, month_to)
    return {"service": service.name, **_header(month_from, month_to), **summarise(rows)}


async def kpi_report(
    session: AsyncSession, *, service_name: str, month_from: str | None, month_to: str | None
) -> dict[str, Any]:
    """``report kpi --json``: the same figures as the lead's page and CSV."""
    service = await require_service(session, service_name)
    return await service_kpis(session, service, month_from, month_to)


async def services_kpis(
    session: AsyncSession, services: Sequence[Service], month_from: str | None,
    month_to: str | None,
) -> dict[str, Any]:
    """Several services side by side and in total (the commissioner's view): one query;
    the total is summed from the true counts, then published by the same rules."""
    rows = await kpi_counts_for_services(session, [s.id for s in services], month_from, month_to)
    per: dict[str, list[tuple[str, str, str, int]]] = defaultdict(list)
    for service_id, month, question, answer, n in rows:
        per[service_id].append((month, question, answer, n))
    return {
        **_header(month_from, month_to),
        "services": [{"service": s.name, **summarise(per.get(s.id, []))} for s in services],
        "total": summarise((m, q, a, n) for _s, m, q, a, n in rows),
    }
