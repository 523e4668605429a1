"""The keyworker's weekly mood strip, drawn from plain data.

Seven columns, Monday to Sunday in the young person's time zone. Each check-in's cards
sit in their day in time order; "a lot" is full colour with a heavy border, "a little"
a paler, smaller tile. Days without a check-in are a quiet neutral gap: no red, no
"missed", no streaks and no scores, because skipping is always fine.

Strips are drawn at their final resolution from cached small pictures: a keyworker
may page through many of them, and one small server draws them for a whole region.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_interval, format_skeleton
from PIL import Image, ImageDraw

from core.i18n import N_, _, clock_time, dates_locale, use_locale
from cards.colour import DARK_INK, LIGHT_INK, RGB, label_ink, mix, tint
from cards.deck import DECK, get_card
from cards.faces import INK
from cards.render import face_icon
from cards.text import draw_text, font_file, text_bbox, text_length

INTENSITIES = ("a_little", "a_lot")
LISTENED_ANSWERS = ("not_at_all", "a_little", "mostly", "totally", "dont_know")
LISTENED_LABELS = {
    "not_at_all": N_("not at all"),
    "a_little": N_("a little"),
    "mostly": N_("mostly"),
    "totally": N_("totally"),
    "dont_know": N_("don't know"),
}
# Share of the "listened" disc that is filled, for each answer (None: drawn as "?").
LISTENED_FILL = {
    "not_at_all": 0.0,
    "a_little": 1 / 3,
    "mostly": 2 / 3,
    "totally": 1.0,
    "dont_know": None,
}


@dataclass(frozen=True)
class StripCheckIn:
    at: datetime
    card_ids: tuple[str, ...]
    intensity: str  # "a_little" | "a_lot"

    def __post_init__(self) -> None:
        if self.intensity not in INTENSITIES:
            raise ValueError(f"intensity must be one of {INTENSITIES}, not {self.intensity!r}")


@dataclass(frozen=True)
class StripListened:
    at: datetime
    answer: str  # "not_at_all" | "a_little" | "mostly" | "totally" | "dont_know"

    def __post_init__(self) -> None:
        if self.answer not in LISTENED_ANSWERS:
            raise ValueError(f"answer must be one of {LISTENED_ANSWERS}, not {self.answer!r}")


def week_monday(iso_week: str | date) -> date:
    """Monday of an ISO week given as "2026-W44" or as any date in it."""
    if isinstance(iso_week, date):
        return iso_week - timedelta(days=iso_week.weekday())
    year, _sep, week = iso_week.upper().partition("-W")
    return date.fromisocalendar(int(year), int(week), 1)


def week_bounds(iso_week: str | date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Local Monday 00:00 to the next Monday 00:00, as aware datetimes.

    A week with a clock change is 167 or 169 real hours long. Subtracting two datetimes
    that share a ZoneInfo gives wall-clock time, so compare them in UTC.
    """
    monday = week_monday(iso_week)
    return (
        datetime.combine(monday, time(0), tzinfo=tz),
        datetime.combine(monday + timedelta(days=7), time(0), tzinfo=tz),
    )


def local_day(at: datetime, tz: ZoneInfo) -> date:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("check-in times must be timezone-aware")
    return at.astimezone(tz).date()


# Layout, in pixels. Fixed, so tests and the web view can find each slot.
MARGIN = 20
COL_W = 132
COL_GAP = 8
WIDTH = 2 * MARGIN + 7 * COL_W + 6 * COL_GAP
DAYS_TOP = 86
SLOTS_TOP = 136
SLOT_H = 50
SLOT_GAP = 6
MAX_SLOTS = 4
MORE_TOP = SLOTS_TOP + MAX_SLOTS * SLOT_H + (MAX_SLOTS - 1) * SLOT_GAP + 4
LISTENED_TOP = MORE_TOP + 26
MARK = 26  # listened mark size
MAX_MARKS = 4
KEY_TOP = LISTENED_TOP + MARK + 24
ICON = 42

BACKGROUND: RGB = (255, 255, 255)
GAP_COLOUR: RGB = (240, 238, 234)  # a quiet day: soft and neutral, never an alarm
LISTENED_COLOUR: RGB = (24, 120, 104)
MUTED: RGB = (96, 92, 110)


def day_box(day_index: int) -> tuple[int, int, int, int]:
    x0 = MARGIN + day_index * (COL_W + COL_GAP)
    return (x0, SLOTS_TOP, x0 + COL_W, MORE_TOP - 4)


def slot_box(day_index: int, slot_index: int) -> tuple[int, int, int, int]:
    """Where the slot_index-th card of a day goes (0 = earliest)."""
    if not (0 <= day_index < 7 and 0 <= slot_index < MAX_SLOTS):
        raise IndexError("no such slot")
    x0 = MARGIN + day_index * (COL_W + COL_GAP)
    y0 = SLOTS_TOP + slot_index * (SLOT_H + SLOT_GAP)
    return (x0, y0, x0 + COL_W, y0 + SLOT_H)


def listened_box(day_index: int, mark_index: int) -> tuple[int, int, int, int]:
    """Where the mark_index-th "felt listened to" answer of a day goes."""
    x0 = MARGIN + day_index * (COL_W + COL_GAP) + 6 + mark_index * (MARK + 6)
    return (x0, LISTENED_TOP, x0 + MARK, LISTENED_TOP + MARK)


def centre(box: tuple[int, int, int, int]) -> tuple[int, int]:
    return ((box[0] + box[2]) // 2, (box[1] + box[3]) // 2)


def slot_fill(card_id: str, intensity: str) -> RGB:
    """The ground of a slot: the card's colour for "a lot", a pale tint for "a little"."""
    colour = get_card(card_id).colour
    return colour if intensity == "a_lot" else tint(colour, 0.55)


@dataclass(frozen=True)
class _Entry:
    at: datetime
    card_id: str
    intensity: str


def _by_day(week_start: date, checkins: Sequence[StripCheckIn], tz: ZoneInfo) -> list[list[_Entry]]:
    """One list per day of the cards tapped that day, earliest first.

    A check-in with several cards fills one slot per card, in the order they were tapped.
    """
    days: list[list[_Entry]] = [[] for _i in range(7)]
    for c in checkins:
        i = (local_day(c.at, tz) - week_start).days
        if 0 <= i < 7:
            days[i].extend(_Entry(c.at, card_id, c.intensity) for card_id in c.card_ids)
    for entries in days:
        entries.sort(key=lambda e: e.at)  # stable: keeps card order within a check-in
    return days


def _listened_by_day(
    week_start: date, listened: Sequence[StripListened], tz: ZoneInfo
) -> list[list[str]]:
    days: list[list[StripListened]] = [[] for _i in range(7)]
    for item in listened:
        i = (local_day(item.at, tz) - week_start).days
        if 0 <= i < 7:
            days[i].append(item)
    return [[item.answer for item in sorted(day, key=lambda x: x.at)] for day in days]


@lru_cache(maxsize=4096)
def _text_mask(text: str, size: int, anchor: str) -> tuple[Image.Image, int, int]:
    x0, y0, x1, y1 = text_bbox(text, size, anchor=anchor)
    mask = Image.new("L", (max(1, x1 - x0), max(1, y1 - y0)), 0)
    draw_text(mask, (-x0, -y0), text, size, fill=255, anchor=anchor)
    return mask, x0, y0


def put_text(
    im: Image.Image, xy: tuple[float, float], text: str, size: int, fill: RGB, anchor: str = "la"
) -> None:
    """Text through a cache of rendered glyph masks: day names, times and the key repeat
    from strip to strip, and rasterising them was most of a strip's drawing time."""
    mask, dx, dy = _text_mask(text, size, anchor)
    im.paste(fill, (round(xy[0]) + dx, round(xy[1]) + dy), mask)


def draw_listened_mark(d: ImageDraw.ImageDraw, box: tuple[int, int, int, int], answer: str) -> None:
    """A disc filled in proportion to how listened-to they felt; "?" for don't know."""
    share = LISTENED_FILL[answer]
    if share is None:
        d.ellipse(box, fill=BACKGROUND, outline=MUTED, width=2)
        draw_text(d, centre(box), "?", round((box[3] - box[1]) * 0.7), fill=MUTED, anchor="mm")
        return
    d.ellipse(box, fill=BACKGROUND)
    if share >= 1:
        d.ellipse(box, fill=LISTENED_COLOUR)
    elif share > 0:
        d.pieslice(box, -90, -90 + 360 * share, fill=LISTENED_COLOUR)
    d.ellipse(box, outline=LISTENED_COLOUR, width=2)


def _draw_slot(
    im: Image.Image,
    d: ImageDraw.ImageDraw,
    box: tuple[int, int, int, int],
    entry: _Entry,
    tz: ZoneInfo,
) -> None:
    x0, y0, x1, y1 = box
    fill = slot_fill(entry.card_id, entry.intensity)
    if entry.intensity == "a_lot":
        d.rounded_rectangle(box, radius=12, fill=fill, outline=INK, width=4)
        icon = face_icon(entry.card_id, ICON)
        im.paste(icon, (x0 + 4, y0 + (SLOT_H - ICON) // 2), icon)
    else:
        inset = (x0 + 6, y0 + 5, x1 - 6, y1 - 5)
        d.rounded_rectangle(inset, radius=10, fill=fill, outline=mix(fill, INK, 0.35), width=1)
        small = ICON - 10
        icon = face_icon(entry.card_id, small)
        im.paste(icon, (x0 + 10, y0 + (SLOT_H - small) // 2), icon)
    put_text(
        im,
        (x1 - 12, (y0 + y1) // 2),
        _local_clock(entry.at.astimezone(tz)),
        14,
        label_ink(fill),
        "rm",
    )


def _draw_key(im: Image.Image, d: ImageDraw.ImageDraw, used: list[str]) -> int:
    """Which picture is which feeling, and what the listened marks mean. Returns the bottom."""
    y = KEY_TOP
    x = MARGIN
    text = _("Felt listened to:")
    put_text(im, (x, y + MARK // 2), text, 15, MUTED, "lm")
    x += round(text_length(text, 15)) + 12
    for answer in LISTENED_ANSWERS:
        draw_listened_mark(d, (x, y + 3, x + 20, y + 23), answer)
        label = _(LISTENED_LABELS[answer])
        put_text(im, (x + 26, y + MARK // 2), label, 15, MUTED, "lm")
        x += 26 + round(text_length(label, 15)) + 18
    y += MARK + 14
    x = MARGIN
    for card_id in used:
        label = _(get_card(card_id).label)
        w = 34 + round(text_length(label, 15)) + 20
        if x + w > WIDTH - MARGIN:
            x, y = MARGIN, y + 34
        icon = face_icon(card_id, 30)
        d.rounded_rectangle((x, y, x + 30, y + 30), radius=8, fill=get_card(card_id).colour)
        im.paste(icon, (x, y), icon)
        put_text(im, (x + 36, y + 15), label, 15, INK, "lm")
        x += w
    return y + (34 if used else 0)


@lru_cache(maxsize=1)
def strip_palette() -> Image.Image:
    """One 256-colour palette for every strip, built once.

    Every flat colour a strip uses is in it exactly (so a slot's colour is the card's
    colour, pixel for pixel); the rest of the entries come from a reference strip with
    every card at both strengths, to carry the anti-aliased edges of the pictures.
    Mapping to a fixed palette and writing 8-bit PNG is several times faster than
    filtering and compressing 24-bit RGB, and the file is less than half the size.
    """
    exact: list[RGB] = [BACKGROUND, GAP_COLOUR, LISTENED_COLOUR, MUTED, INK, DARK_INK, LIGHT_INK]
    for card in DECK:
        exact += [
            card.colour,
            slot_fill(card.id, "a_little"),
            mix(slot_fill(card.id, "a_little"), INK, 0.35),
        ]
    exact = list(dict.fromkeys(exact))
    t0 = datetime(2024, 1, 1, 9, tzinfo=ZoneInfo("UTC"))
    sample = [
        StripCheckIn(t0 + timedelta(hours=i * 5), (card.id,), INTENSITIES[i % 2])
        for i, card in enumerate(DECK)
    ] + [
        StripCheckIn(t0 + timedelta(hours=i * 5 + 1), (card.id,), INTENSITIES[(i + 1) % 2])
        for i, card in enumerate(DECK)
    ]
    listened = [StripListened(t0 + timedelta(days=i), a) for i, a in enumerate(LISTENED_ANSWERS)]
    ref = draw_week_strip(
        week_start=t0.date(),
        checkins=sample,
        listened=listened,
        tz=ZoneInfo("UTC"),
        locale="en",
        title="Mood strip",
        quantize=False,
    )
    rest = ref.quantize(256 - len(exact), method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    flat_rest = (rest.getpalette() or [])[: 3 * (256 - len(exact))]
    # Pillow maps pixels through a cache of 4-unit cells, picking the entry nearest the
    # cell: with no other entry within 16 units of an exact colour, that is always it.
    rest_colours = [
        c
        for i in range(0, len(flat_rest), 3)
        for c in flat_rest[i : i + 3]
        if all(_distance(flat_rest[i : i + 3], e) >= 16 for e in exact)
    ]
    flat = [c for rgb in exact for c in rgb] + rest_colours
    pal = Image.new("P", (1, 1))
    pal.putpalette(flat + [0] * (768 - len(flat)))
    return pal


def _local_clock(at: datetime) -> str:
    return plain_spaces(clock_time(at.hour, at.minute))


def _distance(a: Sequence[int], b: Sequence[int]) -> float:
    return sum((x - y) ** 2 for x, y in zip(a, b)) ** 0.5


def _encode(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    # Level 1: flat artwork compresses well anyway; higher levels cost time, not much size.
    im.save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def draw_week_strip(
    *,
    week_start: date,
    checkins: Sequence[StripCheckIn],
    listened: Sequence[StripListened],
    tz: ZoneInfo,
    locale: str,
    title: str | None = None,
    quantize: bool = True,
) -> Image.Image:
    """The strip as an image: 8-bit palette unless ``quantize`` is False."""
    week_start = week_monday(week_start)
    days = _by_day(week_start, checkins, tz)
    marks = _listened_by_day(week_start, listened, tz)
    used = sorted(
        dict.fromkeys(e.card_id for day in days for e in day[:MAX_SLOTS]), key=_deck_order
    )
    key_rows = _key_rows(used, locale)
    height = KEY_TOP + MARK + 14 + 34 * key_rows + MARGIN
    im = Image.new("RGB", (WIDTH, height), BACKGROUND)
    d = ImageDraw.Draw(im)
    with use_locale(locale):
        put_text(im, (MARGIN, 16), title if title is not None else _("Mood strip"), 26, INK)
        put_text(im, (MARGIN, 52), _week_label(week_start, locale), 18, MUTED)
        for i in range(7):
            x0 = MARGIN + i * (COL_W + COL_GAP)
            name, short_date = _day_heading(week_start + timedelta(days=i), locale)
            put_text(im, (x0 + 4, DAYS_TOP), name, 18, INK)
            put_text(im, (x0 + 4, DAYS_TOP + 24), short_date, 14, MUTED)
            entries = days[i]
            if not entries:
                d.rounded_rectangle(day_box(i), radius=14, fill=GAP_COLOUR)
            for s, entry in enumerate(entries[:MAX_SLOTS]):
                _draw_slot(im, d, slot_box(i, s), entry, tz)
            if len(entries) > MAX_SLOTS:
                put_text(
                    im,
                    (x0 + COL_W // 2, MORE_TOP + 10),
                    f"+{len(entries) - MAX_SLOTS}",
                    16,
                    INK,
                    "mm",
                )
            for m, answer in enumerate(marks[i][:MAX_MARKS]):
                draw_listened_mark(d, listened_box(i, m), answer)
        _draw_key(im, d, used)
    if quantize:
        return im.quantize(palette=strip_palette(), dither=Image.Dither.NONE)
    return im


def render_week_strip(
    *,
    week_start: date,
    checkins: Sequence[StripCheckIn],
    listened: Sequence[StripListened],
    tz: ZoneInfo,
    locale: str,
    title: str | None = None,
) -> bytes:
    """PNG of one week for the keyworker. ``week_start`` may be any day of the week."""
    return _encode(
        draw_week_strip(
            week_start=week_start,
            checkins=checkins,
            listened=listened,
            tz=tz,
            locale=locale,
            title=title,
        )
    )


def _deck_order(card_id: str) -> int:
    return DECK.index(get_card(card_id))


def _key_rows(used: list[str], locale: str) -> int:
    if not used:
        return 0
    rows, x = 1, MARGIN
    with use_locale(locale):
        for card_id in used:
            w = 34 + round(text_length(_(get_card(card_id).label), 15)) + 20
            if x + w > WIDTH - MARGIN:
                rows, x = rows + 1, MARGIN
            x += w
    return rows


# Pillow's bundled font (used only when the Noto fonts are missing) has no glyphs for
# the narrow spaces and dashes CLDR puts in dates.
_SPACES = str.maketrans(
    {
        "\u2013": "-",
        "\u2014": "-",
        "\u2009": " ",
        "\u202f": " ",
        "\u00a0": " ",
        "\u200f": "",
        "\u200e": "",
    }
)


def plain_spaces(text: str) -> str:
    if font_file("latin") is not None:
        return text  # Noto Sans draws them
    return text.translate(_SPACES)


@lru_cache(maxsize=4096)
def _day_heading(day: date, locale: str) -> tuple[str, str]:
    return format_date(day, "EEE", locale=dates_locale(locale)), plain_spaces(
        format_skeleton("MMMd", day, locale=dates_locale(locale))
    )


@lru_cache(maxsize=512)
def _week_label(week_start: date, locale: str) -> str:
    return plain_spaces(
        format_interval(week_start, week_start + timedelta(days=6), "yMMMd", locale=dates_locale(locale))
    )


# The 12-week overview: one compact row per week, newest where the caller puts it.
ROW_H = 34
LABEL_W = 150
CELL_W = 104
CHIP = 20
OVERVIEW_TOP = 64


def overview_chip_box(row: int, day_index: int, chip_index: int) -> tuple[int, int, int, int]:
    x0 = MARGIN + LABEL_W + day_index * CELL_W + 6 + chip_index * (CHIP + 4)
    y0 = OVERVIEW_TOP + row * ROW_H + (ROW_H - CHIP) // 2
    return (x0, y0, x0 + CHIP, y0 + CHIP)


def render_overview(
    *,
    weeks: Sequence[tuple[date, Sequence[StripCheckIn], Sequence[StripListened]]],
    tz: ZoneInfo,
    locale: str,
) -> bytes:
    """PNG of up to 12 weeks, a row each: small colour chips per day and the listened marks."""
    weeks = list(weeks)[:12]
    width = 2 * MARGIN + LABEL_W + 7 * CELL_W + 4 * MARK + 8
    im = Image.new("RGB", (width, OVERVIEW_TOP + max(1, len(weeks)) * ROW_H + MARGIN), BACKGROUND)
    d = ImageDraw.Draw(im)
    with use_locale(locale):
        put_text(im, (MARGIN, 16), _("Mood over 12 weeks"), 24, INK)
        first = week_monday(date(2024, 1, 1))  # any Monday: only the day names are used
        for i in range(7):
            put_text(
                im,
                (MARGIN + LABEL_W + i * CELL_W + 6, OVERVIEW_TOP - 20),
                format_date(first + timedelta(days=i), "EEE", locale=dates_locale(locale)),
                14,
                MUTED,
            )
        put_text(
            im, (MARGIN + LABEL_W + 7 * CELL_W + 4, OVERVIEW_TOP - 20), _("Listened"), 14, MUTED
        )
        for row, (start, checkins, listened) in enumerate(weeks):
            start = week_monday(start)
            y0 = OVERVIEW_TOP + row * ROW_H
            put_text(
                im,
                (MARGIN, y0 + ROW_H // 2),
                plain_spaces(format_skeleton("yMMMd", start, locale=dates_locale(locale))),
                14,
                INK,
                "lm",
            )
            days = _by_day(start, checkins, tz)
            for i, entries in enumerate(days):
                cell = (
                    MARGIN + LABEL_W + i * CELL_W + 2,
                    y0 + 4,
                    MARGIN + LABEL_W + (i + 1) * CELL_W - 4,
                    y0 + ROW_H - 4,
                )
                if not entries:
                    d.rounded_rectangle(cell, radius=8, fill=GAP_COLOUR)
                for c, entry in enumerate(entries[:4]):
                    box = overview_chip_box(row, i, c)
                    if entry.intensity == "a_lot":
                        d.rounded_rectangle(
                            box,
                            radius=5,
                            fill=slot_fill(entry.card_id, "a_lot"),
                            outline=INK,
                            width=3,
                        )
                    else:
                        x0b, y0b, x1b, y1b = box
                        d.rounded_rectangle(
                            (x0b + 3, y0b + 3, x1b - 3, y1b - 3),
                            radius=4,
                            fill=slot_fill(entry.card_id, "a_little"),
                        )
            answers = [a for day in _listened_by_day(start, listened, tz) for a in day]
            for m, answer in enumerate(answers[:4]):
                x0 = MARGIN + LABEL_W + 7 * CELL_W + 4 + m * (MARK - 2)
                draw_listened_mark(d, (x0, y0 + 6, x0 + MARK - 6, y0 + MARK), answer)
    return _encode(im.quantize(palette=strip_palette(), dither=Image.Dither.NONE))
