"""Card pictures for the web, from the illustrated deck (cards/render.py)."""

from __future__ import annotations

from cards.deck import CARDS_BY_ID
from cards.render import card_png as render_card_png

SIZES = (96, 512)


def card_png(card_id: str, size: int) -> bytes:
    """The card's picture without its label (the page prints the label beside it)."""
    if card_id not in CARDS_BY_ID or size not in SIZES:
        raise KeyError(card_id)
    return render_card_png(card_id, size, with_label=False)
