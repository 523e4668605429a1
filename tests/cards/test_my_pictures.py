"""A young person's own pictures run the way they read: a month and a goal's line from
the left in English, from the right in Arabic."""

from __future__ import annotations

import io

from PIL import Image

from cards.my_pictures import CELL, GAP, MARGIN, TOP, draw_goal_line, draw_month

RED = (230, 40, 40)


def _month(rtl: bool) -> Image.Image:
    week = [(1, [RED])] + [(d, []) for d in range(2, 8)]
    png = draw_month("November 2026", ["M", "T", "W", "T", "F", "S", "S"], [week], rtl=rtl)
    return Image.open(io.BytesIO(png)).convert("RGB")


def _is_red(pixel: tuple[int, int, int]) -> bool:
    return pixel[0] > 200 and pixel[1] < 80 and pixel[2] < 80


def test_the_first_day_of_the_week_is_where_the_reader_starts() -> None:
    y = TOP + CELL // 2 + 10
    left_cell = MARGIN + CELL // 2
    right_cell = MARGIN + 6 * (CELL + GAP) + CELL // 2
    ltr, rtl = _month(False), _month(True)
    assert _is_red(ltr.getpixel((left_cell, y))) and not _is_red(ltr.getpixel((right_cell, y)))
    assert _is_red(rtl.getpixel((right_cell, y))) and not _is_red(rtl.getpixel((left_cell, y)))


def test_a_goals_line_starts_where_the_reader_starts() -> None:
    def first_point_x(rtl: bool) -> int:
        im = Image.open(io.BytesIO(draw_goal_line("Goal", [10, 0], "first", "latest",
                                                  rtl=rtl))).convert("RGB")
        top = 90  # a rating of 10 sits on the top line
        row = [im.getpixel((x, top)) for x in range(im.width)]
        blue = [x for x, p in enumerate(row) if p[2] > 120 and p[0] < 90]
        return (min(blue) + max(blue)) // 2

    assert first_point_x(False) < 200
    assert first_point_x(True) > 560
