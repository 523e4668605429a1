import io

import pytest
from PIL import Image, ImageChops

from cards.deck import DECK
from cards.sheet import TILE, render_sheet, tile_origin

ALL = [card.id for card in DECK]


def _open(png: bytes) -> Image.Image:
    Image.open(io.BytesIO(png)).verify()
    return Image.open(io.BytesIO(png)).convert("RGB")


def test_sheet_is_a_png_inside_telegram_photo_limits():
    png = render_sheet(ALL)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    im = _open(png)
    w, h = im.size
    assert len(png) < 10 * 1024 * 1024
    assert len(png) < 400 * 1024  # small enough to send quickly on a poor connection
    assert w + h <= 10000
    assert max(w, h) / min(w, h) <= 20
    assert w < 1200  # four columns


def test_selected_tiles_are_marked_and_others_are_not():
    plain = _open(render_sheet(ALL))
    chosen = _open(render_sheet(ALL, selected={"sad", "tired"}))
    diff = ImageChops.difference(plain, chosen)
    for card_id in ALL:
        x, y = tile_origin(ALL.index(card_id), len(ALL))
        box = (x - 10, y - 10, x + TILE + 10, y + TILE + 10)
        changed = diff.crop(box).getbbox() is not None
        assert changed == (card_id in {"sad", "tired"}), card_id


def test_sheet_of_a_few_cards_is_numbered_in_order():
    im = _open(render_sheet(["sad", "happy"]))
    assert im.size[0] < _open(render_sheet(ALL)).size[0]
    assert tile_origin(1, 2)[0] > tile_origin(0, 2)[0]


def test_sheet_is_cached_and_rejects_unknown_cards():
    assert render_sheet(["ok", "sad"]) is render_sheet(("ok", "sad"))
    with pytest.raises(KeyError):
        render_sheet(["ok", "meh"])
