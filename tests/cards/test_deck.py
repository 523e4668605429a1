import pytest

from core.i18n import use_locale
from cards.deck import CARDS_BY_ID, DECK, URGENT_CARD_IDS, card_label, get_card
from cards.faces import PROPS

EXPECTED_IDS = [
    "happy",
    "calm",
    "excited",
    "proud",
    "hopeful",
    "safe",
    "ok",
    "tired",
    "bored",
    "confused",
    "worried",
    "embarrassed",
    "sad",
    "lonely",
    "scared",
    "frustrated",
    "angry",
    "unsafe",
    "help_now",
    "dont_know",
]


def test_ids_are_exactly_the_deck_in_display_order():
    assert [card.id for card in DECK] == EXPECTED_IDS
    assert list(CARDS_BY_ID) == EXPECTED_IDS


def test_labels():
    labels = {card.id: card.label for card in DECK}
    assert labels["happy"] == "Happy"
    assert labels["ok"] == "OK"
    assert labels["unsafe"] == "I don't feel safe"
    assert labels["help_now"] == "I need help now"
    assert labels["dont_know"] == "I don't know"
    assert len(set(labels.values())) == len(DECK)


def test_only_the_two_safety_cards_are_urgent():
    assert URGENT_CARD_IDS == frozenset({"unsafe", "help_now"})
    assert get_card("unsafe").urgent and get_card("help_now").urgent
    assert not get_card("scared").urgent


def test_unknown_id_is_a_clear_key_error():
    with pytest.raises(KeyError, match="unknown feelings card id 'grumpy'"):
        get_card("grumpy")
    with pytest.raises(KeyError):
        card_label("grumpy")


def test_card_label_goes_through_translation():
    with use_locale("en"):
        assert card_label("help_now") == "I need help now"


def test_no_two_cards_share_a_drawing():
    faces = [card.face for card in DECK]
    assert len(set(faces)) == len(faces)


def test_every_card_has_a_description_of_its_own():
    descriptions = [card.description for card in DECK]
    assert all(len(d) > 15 for d in descriptions)
    assert len(set(descriptions)) == len(descriptions)


def test_props_are_ones_we_can_draw():
    assert {card.face.prop for card in DECK} <= PROPS
