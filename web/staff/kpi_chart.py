"""The 12-month trend drawn on our own server as SVG: no chart script, nothing
loaded from elsewhere. Readable without colour: each line has its own dash and
marker shape, every point is labelled with its value, and the national reference
is a labelled line. The page shows the same numbers as a table."""

from __future__ import annotations

from dataclasses import dataclass

from domain.kpi import NATIONAL_REFERENCE_PERCENT
from domain.kpi_views import TrendPoint

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 56


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: int


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    grid: list[tuple[float, int]]  # (y, percent)
    ticks: list[tuple[float, str]]  # (x, month label)
    listened: list[list[Point]]  # runs of points without gaps
    satisfied: list[list[Point]]
    reference_y: float
    reference: int
    left: int
    right: float
    bottom: float


def _y(percent: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - percent / 100)


def _runs(xs: list[float], values: list[int | None]) -> list[list[Point]]:
    """A month with no figure (none or too few answers) breaks the line."""
    runs: list[list[Point]] = [[]]
    for x, value in zip(xs, values, strict=True):
        if value is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(Point(round(x, 1), round(_y(value), 1), value))
    return [run for run in runs if run]


def trend_chart(points: list[TrendPoint]) -> Chart:
    inner = WIDTH - LEFT - RIGHT
    step = inner / max(len(points), 1)
    xs = [LEFT + step * (i + 0.5) for i in range(len(points))]
    return Chart(
        width=WIDTH, height=HEIGHT,
        grid=[(round(_y(p), 1), p) for p in (0, 25, 50, 75, 100)],
        ticks=[(round(x, 1), p.label) for x, p in zip(xs, points, strict=True)],
        listened=_runs(xs, [p.listened for p in points]),
        satisfied=_runs(xs, [p.satisfied for p in points]),
        reference_y=round(_y(NATIONAL_REFERENCE_PERCENT), 1),
        reference=NATIONAL_REFERENCE_PERCENT,
        left=LEFT, right=WIDTH - RIGHT, bottom=HEIGHT - BOTTOM,
    )
