"""The feelings deck (placeholder drawing data; ids are final)."""
from __future__ import annotations
from dataclasses import dataclass
from app.i18n import N_, _

@dataclass(frozen=True)
class Card:
    id: str
    label: str
    urgent: bool = False

DECK = tuple(Card(i, l, i in ("unsafe", "help_now")) for i, l in [
    ("happy", N_("Happy")), ("calm", N_("Calm")), ("excited", N_("Excited")), ("proud", N_("Proud")),
    ("hopeful", N_("Hopeful")), ("safe", N_("Safe")), ("ok", N_("OK")), ("tired", N_("Tired")),
    ("bored", N_("Bored")), ("confused", N_("Confused")), ("worried", N_("Worried")),
    ("embarrassed", N_("Embarrassed")), ("sad", N_("Sad")), ("lonely", N_("Lonely")),
    ("scared", N_("Scared")), ("frustrated", N_("Frustrated")), ("angry", N_("Angry")),
    ("unsafe", N_("I don't feel safe")), ("help_now", N_("I need help now")),
    ("dont_know", N_("I don't know")),
])
CARDS_BY_ID = {c.id: c for c in DECK}
URGENT_CARD_IDS = frozenset(c.id for c in DECK if c.urgent)

def get_card(card_id: str) -> Card:
    try:
        return CARDS_BY_ID[card_id]
    except KeyError:
        raise KeyError(f"no feelings card with id {card_id!r}") from None

def card_label(card_id: str) -> str:
    return _(get_card(card_id).label)
