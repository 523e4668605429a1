"""Pictures of a young person's own things: a month of feelings colours, and the line
of one goal's ratings over time.

Drawn for Telegram (the web draws the same as HTML). Plain data in, PNG bytes out;
no counts, no streaks, no scores on them: an empty day is just a day.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image, ImageDraw

from cards.colour import RGB
from cards.text import draw_text

BACKGROUND: RGB = (255, 253, 248)
INK: RGB = (34, 34, 34)
MUTED: RGB = (95, 95, 95)
EMPTY: RGB = (238, 234, 226)
LINE: RGB = (50, 90, 160)

CELL = 96
GAP = 8
MARGIN = 24
TOP = 128


def _png(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def draw_month(title: str, weekdays: Sequence[str],
               weeks: Sequence[Sequence[tuple[int | None, Sequence[RGB]]]],
               rtl: bool = False) -> bytes:
    """A calendar: each day's number, and a band of colour for each feeling chosen that
    day (up to four; more just share the space). Right-to-left readers get the week
    running from the right, as their calendars do."""
    width = MARGIN * 2 + 7 * CELL + 6 * GAP
    height = TOP + len(weeks) * (CELL + GAP) + MARGIN

    def x_of(col: int) -> int:
        return MARGIN + (6 - col if rtl else col) * (CELL + GAP)

    im = Image.new("RGB", (width, height), BACKGROUND)
    d = ImageDraw.Draw(im)
    draw_text(im, (width - MARGIN if rtl else MARGIN, 56), title, 34, INK, "rs" if rtl else "ls")
    for i, name in enumerate(weekdays):
        draw_text(im, (x_of(i) + CELL / 2, TOP - 18), name, 20, MUTED, "ms")
    for row, week in enumerate(weeks):
        for col, (day, colours) in enumerate(week):
            if day is None:
                continue
            x0 = x_of(col)
            y0 = TOP + row * (CELL + GAP)
            d.rounded_rectangle((x0, y0, x0 + CELL, y0 + CELL), radius=14, fill=EMPTY)
            shown = list(colours)[:8]
            if shown:
                band = (CELL - 42) / len(shown)
                for k, colour in enumerate(shown):
                    top = y0 + 36 + k * band
                    d.rectangle((x0 + 6, top, x0 + CELL - 6, top + band - 1), fill=tuple(colour))
            draw_text(im, (x0 + 10, y0 + 6), str(day), 20, INK)
    return _png(im)


def draw_goal_line(goal: str, points: Sequence[int], low: str, high: str,
                   rtl: bool = False) -> bytes:
    """One goal's ratings on a 0-10 scale, the first where the reader starts (the left,
    or the right for right-to-left readers) and the latest where they end."""
    width, height = 760, 420
    left, right, top, bottom = 70, 30, 90, 60
    im = Image.new("RGB", (width, height), BACKGROUND)
    d = ImageDraw.Draw(im)
    draw_text(im, (width - MARGIN if rtl else MARGIN, 56), goal[:60], 28, INK,
              "rs" if rtl else "ls")
    plot_h = height - top - bottom
    plot_w = width - left - right

    def y_of(value: int) -> float:
        return top + plot_h * (1 - value / 10)

    for value in (0, 5, 10):
        y = y_of(value)
        d.line((left, y, width - right, y), fill=EMPTY, width=2)
        draw_text(im, (left - 14, y + 8), str(value), 22, MUTED, "rs")
    first_x, last_x = (width - right, left) if rtl else (left, width - right)
    draw_text(im, (first_x, height - 20), low, 18, MUTED, "rs" if rtl else "ls")
    draw_text(im, (last_x, height - 20), high, 18, MUTED, "ls" if rtl else "rs")
    if points:
        step = (last_x - first_x) / max(1, len(points) - 1)
        xy = [(first_x + i * step if len(points) > 1 else left + plot_w / 2, y_of(v))
              for i, v in enumerate(points)]
        if len(xy) > 1:
            d.line(xy, fill=LINE, width=5, joint="curve")
        for x, y in xy:
            d.ellipse((x - 9, y - 9, x + 9, y + 9), fill=LINE, outline=BACKGROUND, width=3)
    return _png(im)
