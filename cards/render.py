"""Whole cards: coloured rounded-square ground, the picture, and the translated label.

Pictures are drawn large and downsampled with LANCZOS (Pillow draws without
anti-aliasing); the label is drawn afterwards at the final size so text stays crisp.
Results are cached per process: a card is the same for everyone in one language.
"""

from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image, ImageDraw

from core.i18n import _, current_locale
from cards.colour import label_ink
from cards.deck import get_card
from cards.faces import Pen, draw_picture
from cards.text import draw_text, text_length

SUPERSAMPLE_TO = 1024  # draw at least this big (capped at 4x) before shrinking
CORNER = 0.14  # ground corner radius, as a fraction of the card
LABEL_BAND = 0.2  # bottom part of the card kept for the label


def _scale_for(size: int) -> int:
    return max(2, min(4, -(-SUPERSAMPLE_TO // size)))


@lru_cache(maxsize=256)
def _art(card_id: str, size: int, with_label: bool) -> Image.Image:
    """Ground and picture, no text (so it is shared by every language)."""
    card = get_card(card_id)
    k = _scale_for(size)
    big = size * k
    im = Image.new("RGB", (big, big), (255, 255, 255))
    d = ImageDraw.Draw(im)
    d.rounded_rectangle((0, 0, big - 1, big - 1), radius=CORNER * big, fill=card.colour)
    if card.urgent:
        # An inner ring marks the urgent cards by shape as well as by colour.
        inset = 0.035 * big
        d.rounded_rectangle(
            (inset, inset, big - inset, big - inset),
            radius=(CORNER - 0.03) * big,
            outline=(255, 255, 255),
            width=max(1, round(0.022 * big)),
        )
    if with_label:
        side = (1 - LABEL_BAND) * big
        pen = Pen(d, (big - side) / 2, 0.03 * big, side)
    else:
        side = 0.92 * big
        pen = Pen(d, 0.04 * big, 0.04 * big, side)
    draw_picture(pen, card.face)
    small = im.resize((size, size), Image.Resampling.LANCZOS)
    # Keep the corners outside the ground transparent so cards sit on any page.
    mask = Image.new("L", (big, big), 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, big - 1, big - 1), radius=CORNER * big, fill=255)
    small.putalpha(mask.resize((size, size), Image.Resampling.LANCZOS))
    return small


@lru_cache(maxsize=128)
def face_icon(card_id: str, size: int) -> Image.Image:
    """Just the picture on transparency: for mood strips, where the slot is the ground."""
    k = _scale_for(size)
    big = size * k
    im = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw_picture(Pen(ImageDraw.Draw(im), 0, 0, big), get_card(card_id).face)
    return im.resize((size, size), Image.Resampling.LANCZOS)


def fit_size(text: str, max_width: float, size: int) -> int:
    """The biggest size up to ``size`` that fits the text in one line (longer translations)."""
    while size > 8:
        if text_length(text, size) <= max_width:
            return size
        size -= 1
    return 8


def draw_label(im: Image.Image, card_id: str, box: tuple[int, int, int, int]) -> None:
    """The translated label centred in box, in whichever ink reads on the card's ground."""
    text = _(get_card(card_id).label)
    x0, y0, x1, y1 = box
    size = fit_size(text, (x1 - x0) * 0.92, round((y1 - y0) * 0.52))
    draw_text(
        im,
        ((x0 + x1) / 2, (y0 + y1) / 2),
        text,
        size,
        fill=label_ink(get_card(card_id).colour),
        anchor="mm",
    )


@lru_cache(maxsize=256)
def _card(card_id: str, size: int, with_label: bool, locale: str) -> Image.Image:
    im = _art(card_id, size, with_label).copy()
    if with_label:
        top = round(size * (1 - LABEL_BAND - 0.01))
        draw_label(
            im, card_id, (round(size * 0.04), top, round(size * 0.96), size - round(size * 0.03))
        )
    return im


def label_drawn(size: int, with_label: bool) -> bool:
    # Below this the text would be unreadable; small cards rely on the picture alone.
    return with_label and size >= 128


def render_card(card_id: str, size: int = 512, *, with_label: bool = True) -> Image.Image:
    """One card as an RGBA image. Small sizes (under 128 px) never carry the label."""
    get_card(card_id)
    with_label = label_drawn(size, with_label)
    locale = current_locale() if with_label else ""
    return _card(card_id, size, with_label, locale).copy()


@lru_cache(maxsize=256)
def _card_png(card_id: str, size: int, with_label: bool, locale: str) -> bytes:
    buf = io.BytesIO()
    _card(card_id, size, with_label, locale).save(buf, "PNG", optimize=True)
    return buf.getvalue()


def card_png(card_id: str, size: int = 512, with_label: bool = True) -> bytes:
    get_card(card_id)
    with_label = label_drawn(size, with_label)
    return _card_png(card_id, size, with_label, current_locale() if with_label else "")
