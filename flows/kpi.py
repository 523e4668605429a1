"""KPI reports: totals only, with small numbers suppressed.

"% at least a little listened to" = (a little + mostly + yes, totally) / every answer
except "I don't know" — the same measure as the national evaluation (84%, 132/156).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from flows.admin import require_service
from flows.records import LISTENED_ANSWERS
from storage.repositories import kpi_counts

SUPPRESS_BELOW = 5
AT_LEAST_A_LITTLE = ("a_little", "mostly", "totally")


def suppress(counts: dict[str, int]) -> dict[str, int | None]:
    """Hide counts under 5. If exactly one is hidden, hide the next smallest too, so it
    cannot be worked out from the total."""
    shown: dict[str, int | None] = {
        k: (v if v == 0 or v >= SUPPRESS_BELOW else None) for k, v in counts.items()
    }
    hidden = [k for k, v in shown.items() if v is None]
    if len(hidden) == 1:
        others = sorted((v, k) for k, v in counts.items() if k not in hidden and v > 0)
        if others:
            shown[others[0][1]] = None
    return shown


def listened_summary(counts: dict[str, int]) -> dict[str, Any]:
    total = sum(counts.values())
    rated = total - counts.get("dont_know", 0)
    positive = sum(counts.get(k, 0) for k in AT_LEAST_A_LITTLE)
    ok = total >= SUPPRESS_BELOW and rated >= SUPPRESS_BELOW
    return {
        "total": total if total >= SUPPRESS_BELOW else None,
        "counts": suppress({k: counts.get(k, 0) for k in LISTENED_ANSWERS}),
        "percent_at_least_a_little": round(100 * positive / rated, 1) if ok else None,
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
        "listened_to": listened_summary(dict(overall)),
        "months": months,
    }
