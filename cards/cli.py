"""Writes the whole deck to files: for print, for the docs, and to eyeball a change."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from cards.deck import DECK
from cards.render import card_png, render_card
from cards.sheet import render_sheet

DECK_TILE = 256
DECK_COLUMNS = 5
DECK_GAP = 16


def deck_image() -> Image.Image:
    """Every card, labelled, in deck order."""
    rows = -(-len(DECK) // DECK_COLUMNS)
    step = DECK_TILE + DECK_GAP
    im = Image.new("RGB", (DECK_GAP + DECK_COLUMNS * step, DECK_GAP + rows * step), (250, 248, 244))
    for i, card in enumerate(DECK):
        tile = render_card(card.id, DECK_TILE)
        im.paste(
            tile,
            (DECK_GAP + (i % DECK_COLUMNS) * step, DECK_GAP + (i // DECK_COLUMNS) * step),
            tile,
        )
    return im


def render_deck(out_dir: Path) -> list[Path]:
    """Write each card at 512 and 96 px, the deck grid and the choosing sheet; return the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for card in DECK:
        for size in (512, 96):
            path = out_dir / f"{card.id}-{size}.png"
            path.write_bytes(card_png(card.id, size))
            written.append(path)
    deck_path = out_dir / "deck.png"
    deck_image().quantize(256, dither=Image.Dither.NONE).save(deck_path, optimize=True)
    written.append(deck_path)
    sheet_path = out_dir / "sheet.png"
    sheet_path.write_bytes(render_sheet([card.id for card in DECK]))
    written.append(sheet_path)
    return written
