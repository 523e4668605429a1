import io
from itertools import combinations

import pytest
from PIL import Image, ImageChops, ImageStat

from cards import render
from cards.colour import label_ink
from cards.deck import DECK, get_card
from cards.render import card_png, face_icon, render_card


@pytest.mark.parametrize("card", DECK, ids=lambda c: c.id)
@pytest.mark.parametrize("size", [512, 96])
def test_every_card_renders(card, size):
    im = render_card(card.id, size)
    assert im.size == (size, size)
    assert im.mode == "RGBA"
    # The middle of the ground is the card's colour; the picture is not blank.
    ground = im.getpixel((size // 2, round(size * 0.015)))[:3]
    assert max(abs(a - b) for a, b in zip(ground, card.colour)) <= 6
    assert len(im.convert("RGB").getcolors(100_000)) > 20
    png = card_png(card.id, size)
    assert Image.open(io.BytesIO(png)).size == (size, size)


def test_small_cards_never_carry_text():
    assert (
        render_card("happy", 96).tobytes() == render_card("happy", 96, with_label=False).tobytes()
    )


def test_label_is_drawn_in_its_ink_at_512():
    for card_id in ("happy", "unsafe"):
        im = render_card(card_id, 512).convert("RGB")
        band = im.crop((40, 420, 472, 490))
        ink = label_ink(get_card(card_id).colour)
        assert sum(n for n, c in band.getcolors(100_000) if c == ink) > 200
        unlabelled = render_card(card_id, 512, with_label=False).convert("RGB")
        assert ImageChops.difference(im, unlabelled).getbbox() is not None


def test_cards_are_drawn_once_per_process():
    render._card.cache_clear()
    render_card("calm", 200)
    render_card("calm", 200)
    info = render._card.cache_info()
    assert (info.misses, info.hits) == (1, 1)
    assert card_png("calm", 512) is card_png("calm", 512)


def test_callers_cannot_spoil_the_cache():
    im = render_card("sad", 96)
    im.paste((0, 0, 0, 255), (0, 0, 96, 96))
    assert render_card("sad", 96).getpixel((48, 4))[:3] == get_card("sad").colour


def test_pictures_differ_without_colour():
    """Grey pictures, no ground: every pair must still differ clearly in shape."""
    greys = {}
    for card in DECK:
        icon = face_icon(card.id, 96)
        white = Image.new("RGBA", icon.size, (255, 255, 255, 255))
        greys[card.id] = Image.alpha_composite(white, icon).convert("L")
    for a, b in combinations(greys, 2):
        diff = ImageStat.Stat(ImageChops.difference(greys[a], greys[b])).mean[0]
        assert diff > 2.0, (a, b, diff)


def test_unknown_card_cannot_be_drawn():
    with pytest.raises(KeyError):
        render_card("nope")
