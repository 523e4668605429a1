"""Deciding whether a check-in is an urgent signal: an urgent card (certain), or
risk phrases in the words (possible)."""

from __future__ import annotations

from dataclasses import dataclass, field

from cards.deck import CARDS_BY_ID
from safeguarding.matcher import Lexicon, Match

CERTAIN = "certain"
POSSIBLE = "possible"


def urgent_card_ids() -> frozenset[str]:
    # Read from the deck each time, so cards a service marks urgent count at once.
    return frozenset(card_id for card_id, card in CARDS_BY_ID.items() if card.urgent)


@dataclass(frozen=True)
class Signal:
    cards: tuple[str, ...] = ()  # urgent cards picked
    matches: tuple[Match, ...] = field(default_factory=tuple)

    @property
    def certainty(self) -> str:
        return CERTAIN if self.cards else POSSIBLE

    @property
    def source(self) -> str:
        return "+".join(s for s, on in (("card", self.cards), ("words", self.matches)) if on)


def detect(cards: list[str], words: str | None, lexicon: Lexicon) -> Signal | None:
    urgent = tuple(c for c in cards if c in urgent_card_ids())
    matches = tuple(lexicon.find(words)) if words else ()
    if not urgent and not matches:
        return None
    return Signal(urgent, matches)
