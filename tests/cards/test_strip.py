import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from cards.colour import tint
from cards.deck import get_card
from cards.faces import INK
from cards.strip import (
    BACKGROUND,
    GAP_COLOUR,
    LISTENED_COLOUR,
    MAX_SLOTS,
    MORE_TOP,
    StripCheckIn,
    StripListened,
    centre,
    listened_box,
    overview_chip_box,
    render_overview,
    render_week_strip,
    slot_box,
    slot_fill,
    week_bounds,
)

LONDON = ZoneInfo("Europe/London")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def strip(week_start, checkins=(), listened=(), locale="en_GB") -> Image.Image:
    png = render_week_strip(
        week_start=week_start,
        checkins=checkins,
        listened=listened,
        tz=LONDON,
        locale=locale,
        title="Jo",
    )
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return Image.open(io.BytesIO(png)).convert("RGB")


def at(im: Image.Image, box) -> tuple[int, int, int]:
    return im.getpixel(centre(box))


# ISO weeks of 2026 with a UK clock change: W13 (23-29 Mar, clocks go forward on Sunday
# 29 Mar) and W43 (19-25 Oct, clocks go back on Sunday 25 Oct). W44 starts the day after.


def test_week_bounds_are_local_mondays_and_as_long_as_the_clocks_make_them():
    def hours(week):
        start, end = week_bounds(week, LONDON)
        return (end.astimezone(UTC) - start.astimezone(UTC)) / timedelta(hours=1)

    start, end = week_bounds("2026-W43", LONDON)
    assert (start.date(), end.date()) == (date(2026, 10, 19), date(2026, 10, 26))
    assert start.astimezone(UTC) == utc(2026, 10, 18, 23)  # BST midnight
    assert end.astimezone(UTC) == utc(2026, 10, 26, 0)  # GMT midnight
    assert hours("2026-W43") == 169
    assert hours("2026-W44") == 168
    assert hours("2026-W13") == 167
    assert week_bounds(date(2026, 10, 25), LONDON) == week_bounds("2026-W43", LONDON)
    assert week_bounds("2026-w44", LONDON)[0].date() == date(2026, 10, 26)


def test_autumn_week_puts_each_check_in_on_its_local_day():
    checkins = [
        # 23:30 UTC on Sunday 18 Oct is 00:30 BST on Monday 19 Oct: this week, Monday.
        StripCheckIn(utc(2026, 10, 18, 23, 30), ("happy",), "a_lot"),
        StripCheckIn(utc(2026, 10, 21, 12, 0), ("worried",), "a_little"),
        # 23:30 UTC on Sat 24 Oct is 00:30 BST on Sunday 25 Oct.
        StripCheckIn(utc(2026, 10, 24, 23, 30), ("sad",), "a_lot"),
        # After the clocks go back, 23:30 UTC is 23:30 on Sunday itself, not Monday.
        StripCheckIn(utc(2026, 10, 25, 23, 30), ("calm", "tired"), "a_little"),
        # 23:30 UTC on Monday 26 Oct is next week.
        StripCheckIn(utc(2026, 10, 26, 23, 30), ("angry",), "a_lot"),
    ]
    im = strip(date(2026, 10, 21), checkins)  # any day of the week will do
    assert at(im, slot_box(0, 0)) == get_card("happy").colour
    assert at(im, slot_box(2, 0)) == tint(get_card("worried").colour, 0.55)
    assert at(im, slot_box(6, 0)) == get_card("sad").colour
    assert at(im, slot_box(6, 1)) == slot_fill("calm", "a_little")
    assert at(im, slot_box(6, 2)) == slot_fill("tired", "a_little")
    assert at(im, slot_box(6, 3)) == BACKGROUND
    for quiet_day in (1, 3, 4, 5):
        for s in range(MAX_SLOTS):
            assert at(im, slot_box(quiet_day, s)) == GAP_COLOUR
    assert at(im, slot_box(0, 1)) == BACKGROUND  # a day with a check-in is not a gap


def test_spring_week_moves_the_last_late_check_in_into_next_week():
    checkins = [
        StripCheckIn(utc(2026, 3, 28, 23, 30), ("proud",), "a_lot"),  # 23:30 GMT Saturday
        StripCheckIn(utc(2026, 3, 29, 0, 30), ("bored",), "a_little"),  # 00:30 GMT Sunday
        StripCheckIn(utc(2026, 3, 29, 1, 30), ("excited",), "a_lot"),  # 02:30 BST Sunday
        StripCheckIn(utc(2026, 3, 29, 23, 30), ("scared",), "a_lot"),  # 00:30 BST next Monday
        StripCheckIn(utc(2026, 3, 22, 23, 30), ("ok",), "a_lot"),  # 23:30 GMT Sun, last week
    ]
    im = strip(date(2026, 3, 23), checkins)
    assert at(im, slot_box(5, 0)) == get_card("proud").colour
    assert at(im, slot_box(6, 0)) == slot_fill("bored", "a_little")
    assert at(im, slot_box(6, 1)) == get_card("excited").colour
    assert at(im, slot_box(6, 2)) == BACKGROUND
    assert at(im, slot_box(0, 0)) == GAP_COLOUR
    next_week = strip(date(2026, 3, 30), checkins)
    assert at(next_week, slot_box(0, 0)) == get_card("scared").colour


def test_a_lot_is_stronger_than_a_little():
    checkins = [
        StripCheckIn(utc(2026, 6, 1, 9), ("sad",), "a_lot"),
        StripCheckIn(utc(2026, 6, 2, 9), ("sad",), "a_little"),
    ]
    im = strip(date(2026, 6, 1), checkins)
    lot, little = at(im, slot_box(0, 0)), at(im, slot_box(1, 0))
    assert lot == get_card("sad").colour
    assert little != lot and sum(little) > sum(lot)  # paler
    # A heavy dark border round "a lot"; "a little" is a smaller tile with space round it.
    x0, y0, _x1, y1 = slot_box(0, 0)
    assert im.getpixel((x0 + 1, (y0 + y1) // 2)) == INK
    x0, y0, _x1, y1 = slot_box(1, 0)
    assert im.getpixel((x0 + 1, (y0 + y1) // 2)) == BACKGROUND


def test_cards_fill_slots_in_time_order_and_overflow_is_counted():
    base = utc(2026, 6, 3, 8)
    ids = ["happy", "calm", "ok", "sad", "lonely", "angry"]
    checkins = [
        StripCheckIn(base + timedelta(hours=i), (card_id,), "a_lot")
        for i, card_id in enumerate(ids)
    ]
    im = strip(date(2026, 6, 1), list(reversed(checkins)))
    for s in range(MAX_SLOTS):
        assert at(im, slot_box(2, s)) == get_card(ids[s]).colour
    x0, _, x1, _ = slot_box(2, 0)
    more = im.crop((x0, MORE_TOP, x1, MORE_TOP + 20))
    assert any(c == INK for _, c in more.getcolors(10_000))  # the "+2"
    x0, _, x1, _ = slot_box(3, 0)
    assert im.crop((x0, MORE_TOP, x1, MORE_TOP + 20)).getcolors(10_000) == [
        (20 * (x1 - x0), BACKGROUND)
    ]


def test_listened_marks_sit_on_their_day():
    listened = [
        StripListened(utc(2026, 10, 20, 22, 30), "totally"),  # 23:30 BST Tuesday
        StripListened(utc(2026, 10, 22, 23, 30), "not_at_all"),  # 00:30 BST Friday
        StripListened(utc(2026, 10, 23, 8, 0), "totally"),
    ]
    im = strip(date(2026, 10, 19), listened=listened)
    assert at(im, listened_box(1, 0)) == LISTENED_COLOUR
    assert at(im, listened_box(4, 0)) == BACKGROUND  # an empty disc: not at all
    x0, y0, _, _ = listened_box(4, 0)
    assert im.getpixel((x0 + 1, (y0 + listened_box(4, 0)[3]) // 2)) == LISTENED_COLOUR  # its rim
    assert at(im, listened_box(4, 1)) == LISTENED_COLOUR
    for day in (0, 2, 3, 5, 6):
        assert at(im, listened_box(day, 0)) == BACKGROUND


def test_no_check_ins_is_a_calm_grey_week_never_red():
    im = strip(date(2026, 6, 1))
    colours = {c for _, c in im.getcolors(100_000)}
    assert all(not (r > 180 and g < 120 and b < 120) for r, g, b in colours)
    assert all(at(im, slot_box(d, 0)) == GAP_COLOUR for d in range(7))


def test_other_locales_render():
    checkins = [StripCheckIn(utc(2026, 6, 1, 9), ("safe",), "a_lot")]
    for locale in ("cy", "ar", "pl"):
        im = strip(date(2026, 6, 1), checkins, locale=locale)
        assert at(im, slot_box(0, 0)) == get_card("safe").colour


def test_naive_times_and_bad_values_are_refused():
    with pytest.raises(ValueError):
        render_week_strip(
            week_start=date(2026, 6, 1),
            checkins=[StripCheckIn(datetime(2026, 6, 1, 9), ("ok",), "a_lot")],
            listened=[],
            tz=LONDON,
            locale="en",
        )
    with pytest.raises(ValueError):
        StripCheckIn(utc(2026, 6, 1), ("ok",), "loads")
    with pytest.raises(ValueError):
        StripListened(utc(2026, 6, 1), "kind of")
    with pytest.raises(KeyError):
        render_week_strip(
            week_start=date(2026, 6, 1),
            checkins=[StripCheckIn(utc(2026, 6, 1, 9), ("meh",), "a_lot")],
            listened=[],
            tz=LONDON,
            locale="en",
        )


def test_overview_has_a_row_per_week():
    weeks = []
    for w in range(12):
        start = date(2026, 8, 3) + timedelta(weeks=w)
        checkins = [
            StripCheckIn(
                datetime.combine(start, datetime.min.time(), UTC) + timedelta(hours=10),
                ("happy" if w % 2 else "sad",),
                "a_lot" if w % 3 else "a_little",
            )
        ]
        weeks.append((start, checkins, [StripListened(checkins[0].at, "mostly")]))
    im = Image.open(io.BytesIO(render_overview(weeks=weeks, tz=LONDON, locale="en_GB"))).convert(
        "RGB"
    )
    for row, (start, checkins, _l) in enumerate(weeks):
        card_id = checkins[0].card_ids[0]
        assert at(im, overview_chip_box(row, 0, 0)) == slot_fill(card_id, checkins[0].intensity)
        assert at(im, overview_chip_box(row, 1, 0)) == GAP_COLOUR
