"""The choosing sheet: every card numbered and labelled, the chosen ones ticked.

Sent as a Telegram photo and shown on the unit tablet, so it stays well inside
Telegram's limits (under 10 MB, width + height <= 10000, aspect ratio <= 20). It is a
PNG: flat colours and text compress far better than JPEG, with no smudged edges.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Sequence
from functools import lru_cache

from PIL import Image, ImageDraw

from core.i18n import current_locale
from cards.deck import DECK, get_card
from cards.faces import INK
from cards.render import render_card
from cards.text import draw_text

TILE = 232  # card size on the sheet
GAP = 28  # room between cards, and for the selection outline
MARGIN = 24
BACKGROUND = (250, 248, 244)
SELECTED_RING = INK
TICK_GROUND = (22, 128, 74)
MAX_COLUMNS = 4


def columns_for(n: int) -> int:
    return max(1, min(MAX_COLUMNS, n))


def tile_origin(index: int, n: int) -> tuple[int, int]:
    """Top-left corner of the index-th card on a sheet of n cards."""
    cols = columns_for(n)
    return (MARGIN + (index % cols) * (TILE + GAP), MARGIN + (index // cols) * (TILE + GAP))


def sheet_size(n: int) -> tuple[int, int]:
    cols = columns_for(n)
    rows = max(1, -(-n // cols))
    return (
        2 * MARGIN + cols * TILE + (cols - 1) * GAP,
        2 * MARGIN + rows * TILE + (rows - 1) * GAP,
    )


def _number_badge(d: ImageDraw.ImageDraw, x: int, y: int, number: int) -> None:
    """A white disc with the card's number: "send 7" works when reading the label does not."""
    r = 24
    d.ellipse((x - r, y - r, x + r, y + r), fill=(255, 255, 255), outline=INK, width=3)
    draw_text(d, (x, y + 1), str(number), 28, fill=INK, anchor="mm")


def _tick(d: ImageDraw.ImageDraw, x: int, y: int) -> None:
    """A green disc with a white tick, drawn as shapes (no emoji font needed)."""
    r = 26
    d.ellipse((x - r - 3, y - r - 3, x + r + 3, y + r + 3), fill=(255, 255, 255))
    d.ellipse((x - r, y - r, x + r, y + r), fill=TICK_GROUND)
    d.line(
        [(x - 13, y + 1), (x - 4, y + 11), (x + 14, y - 10)],
        fill=(255, 255, 255),
        width=7,
        joint="curve",
    )


def draw_sheet(card_ids: Sequence[str], selected: Collection[str]) -> Image.Image:
    for card_id in card_ids:
        get_card(card_id)
    im = Image.new("RGB", sheet_size(len(card_ids)), BACKGROUND)
    d = ImageDraw.Draw(im)
    for i, card_id in enumerate(card_ids):
        x, y = tile_origin(i, len(card_ids))
        if card_id in selected:
            o = GAP // 2 - 2
            d.rounded_rectangle(
                (x - o, y - o, x + TILE + o, y + TILE + o),
                radius=44,
                outline=SELECTED_RING,
                width=9,
            )
        card = render_card(card_id, TILE)
        im.paste(card, (x, y), card)
        _number_badge(d, x + 22, y + 22, i + 1)
        if card_id in selected:
            _tick(d, x + TILE - 22, y + 22)
    return im


@lru_cache(maxsize=1)
def sheet_palette() -> Image.Image:
    """One 256-colour palette for every sheet, taken from the whole deck with a selection.

    Flat colours and text need no more than 256 colours, which keeps the file a fraction
    of the RGB size; a fixed palette means ticking one card never shifts the colours of
    the others.
    """
    ids = tuple(card.id for card in DECK)
    return draw_sheet(ids, ids[::7]).quantize(
        256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )


@lru_cache(maxsize=128)
def _sheet_png(card_ids: tuple[str, ...], selected: frozenset[str], locale: str) -> bytes:
    im = draw_sheet(card_ids, selected).quantize(palette=sheet_palette(), dither=Image.Dither.NONE)
    buf = io.BytesIO()
    im.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def render_sheet(card_ids: Sequence[str], *, selected: Collection[str] = ()) -> bytes:
    """PNG of the cards to choose from, numbered 1..n in the order given."""
    return _sheet_png(tuple(card_ids), frozenset(selected), current_locale())
