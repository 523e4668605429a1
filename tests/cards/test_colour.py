import pytest

from cards.colour import DARK_INK, LIGHT_INK, contrast_ratio, label_ink, tint
from cards.deck import DECK
from cards.strip import slot_fill


def test_contrast_ratio_known_values():
    assert contrast_ratio((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert contrast_ratio((255, 255, 255), (0, 0, 0)) == pytest.approx(21.0)
    assert contrast_ratio((120, 120, 120), (120, 120, 120)) == pytest.approx(1.0)
    # #777777 on white is the classic "just fails AA" grey.
    assert contrast_ratio((0x77, 0x77, 0x77), (255, 255, 255)) == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio((0x76, 0x76, 0x76), (255, 255, 255)) == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("card", DECK, ids=lambda c: c.id)
def test_every_label_meets_wcag_aa_on_its_card(card):
    ink = label_ink(card.colour)
    assert ink in (DARK_INK, LIGHT_INK)
    assert contrast_ratio(ink, card.colour) >= 4.5


@pytest.mark.parametrize("card", DECK, ids=lambda c: c.id)
def test_strip_times_meet_wcag_aa_on_both_strengths(card):
    for intensity in ("a_little", "a_lot"):
        ground = slot_fill(card.id, intensity)
        assert contrast_ratio(label_ink(ground), ground) >= 4.5


def test_tint_is_paler():
    assert tint((200, 40, 40)) > (200, 40, 40)
    assert tint((200, 40, 40), 1.0) == (255, 255, 255)
