"""KPI reports: totals only, built so that no small number can be worked out.

Rules (the usual ones for published statistics about small groups):

- a count of 1 to 4 is never shown ("fewer than 5": ``null``); 0 is shown;
- every other count, and every total, is rounded to the nearest 5, so small
  numbers cannot be recovered by subtracting one published figure from another
  (a month from the whole, one question from the month);
- "% at least a little listened to" = (a little + mostly + yes, totally) / every
  answer except "I don't know" — the national evaluation's measure (84%, 132/156) —
  shown to the whole percent, and only when both the "at least a little" group and
  the "not at all" group are 0 or at least 5, so the percentage cannot reveal a
  hidden count either.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from flows.admin import require_service
from flows.records import LISTENED_ANSWERS
from storage.repositories import kpi_counts

SUPPRESS_BELOW = 5
ROUND_TO = 5
AT_LEAST_A_LITTLE = ("a_little", "mostly", "totally")


def publishable(n: int) -> int | None:
    """0 stays 0; 1-4 is hidden; anything else is rounded to the nearest 5."""
    if n == 0:
        return 0
    if n < SUPPRESS_BELOW:
        return None
    return max(SUPPRESS_BELOW, ROUND_TO * round(n / ROUND_TO))


def listened_summary(counts: dict[str, int]) -> dict[str, Any]:
    total = sum(counts.values())
    positive = sum(counts.get(k, 0) for k in AT_LEAST_A_LITTLE)
    negative = counts.get("not_at_all", 0)
    rated = positive + negative
    safe = all(n == 0 or n >= SUPPRESS_BELOW for n in (positive, negative)) and rated > 0
    return {
        "total": publishable(total),
        "counts": {k: publishable(counts.get(k, 0)) for k in LISTENED_ANSWERS},
        "percent_at_least_a_little": round(100 * positive / rated) if safe else None,
    }


async def kpi_report(
    session: AsyncSession, *, service_name: str, month_from: str | None, month_to: str | None
) -> dict[str, Any]:
    service = await require_service(session, service_name)
    by_month: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for month, question, answer, n in await kpi_counts(session, service.id, month_from, month_to):
        by_month[month][question][answer] = n
    months = []
    overall: dict[str, int] = defaultdict(int)
    for month in sorted(by_month):
        questions = {}
        all_listened: dict[str, int] = defaultdict(int)
        for question, counts in sorted(by_month[month].items()):
            if question.startswith("listened:"):
                questions[question] = listened_summary(counts)
                for k, v in counts.items():
                    all_listened[k] += v
                    overall[k] += v
        months.append(
            {"month": month, "listened_to": listened_summary(all_listened), "by_question": questions}
        )
    return {
        "service": service.name,
        "from": month_from,
        "to": month_to,
        "suppressed_below": SUPPRESS_BELOW,
        "rounded_to": ROUND_TO,
        "listened_to": listened_summary(dict(overall)),
        "months": months,
    }
