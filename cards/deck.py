"""The feelings deck as data.

A card's ``id`` is stored with every check-in, so it never changes; its label and
description are msgids, translated when the card is shown. The drawing is described
by a :class:`Face`, so each feeling differs in shape, not only in colour.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.i18n import N_, _
from cards.colour import RGB


@dataclass(frozen=True)
class Face:
    """What the drawn face does. Lengths are fractions of the head's radius."""

    eyes: str = "dot"  # dot | happy | closed | wide | half | star | squint
    look: tuple[float, float] = (0.0, 0.0)  # where dot eyes look, in eye-widths
    brow_lift: float | None = None  # None: no brows; >0 raised
    brow_tilt: float = 0.0  # >0 inner ends up (worry), <0 inner ends down (anger)
    brow_uneven: float = 0.0  # extra lift of the left brow only (puzzled)
    mouth: str = "curve"  # curve | grin | o | wobble | slant | teeth
    mouth_curve: float = 0.5  # curve: >0 smile, <0 frown; grin/o: how open
    mouth_width: float = 0.6
    tears: int = 0
    sweat: bool = False
    blush: bool = False
    shake: bool = False  # trembling lines beside the head
    head_shift: float = 0.0  # move the head sideways (room for a prop)
    prop: str = "none"  # the small picture that goes with the feeling


@dataclass(frozen=True)
class Card:
    id: str
    label: str
    description: str
    colour: RGB
    face: Face
    urgent: bool = False


DECK: tuple[Card, ...] = (
    Card(
        "happy",
        N_("Happy"),
        N_("A smiling face with a big open smile and happy closed eyes"),
        (255, 209, 72),
        Face(
            eyes="happy",
            brow_lift=0.08,
            mouth="grin",
            mouth_curve=0.9,
            mouth_width=0.75,
            blush=True,
        ),
    ),
    Card(
        "calm",
        N_("Calm"),
        N_("A relaxed face with gently closed eyes and soft waves"),
        (142, 214, 200),
        Face(eyes="closed", mouth="curve", mouth_curve=0.35, mouth_width=0.45, prop="waves"),
    ),
    Card(
        "excited",
        N_("Excited"),
        N_("A face with star eyes, a wide open smile and sparkles"),
        (255, 166, 77),
        Face(
            eyes="star",
            brow_lift=0.14,
            mouth="grin",
            mouth_curve=1.0,
            mouth_width=0.8,
            prop="sparkles",
        ),
    ),
    Card(
        "proud",
        N_("Proud"),
        N_("A face smiling with its eyes closed, next to a gold star"),
        (190, 160, 240),
        Face(
            eyes="closed",
            brow_lift=0.1,
            mouth="curve",
            mouth_curve=0.8,
            mouth_width=0.65,
            head_shift=-0.05,
            prop="star",
        ),
    ),
    Card(
        "hopeful",
        N_("Hopeful"),
        N_("A face looking up with a small smile towards a rainbow"),
        (168, 224, 120),
        Face(
            eyes="dot",
            look=(0.35, -0.45),
            brow_lift=0.1,
            brow_tilt=0.04,
            mouth="curve",
            mouth_curve=0.45,
            mouth_width=0.45,
            head_shift=-0.05,
            prop="rainbow",
        ),
    ),
    Card(
        "safe",
        N_("Safe"),
        N_("A peaceful smiling face with a shield and a heart"),
        (128, 196, 240),
        Face(
            eyes="closed",
            brow_lift=0.02,
            mouth="curve",
            mouth_curve=0.55,
            mouth_width=0.55,
            head_shift=-0.05,
            prop="shield",
        ),
    ),
    Card(
        "ok",
        N_("OK"),
        N_("A face with a small smile, giving a thumbs up"),
        (205, 214, 226),
        Face(
            eyes="dot",
            mouth="curve",
            mouth_curve=0.2,
            mouth_width=0.45,
            head_shift=-0.05,
            prop="thumb",
        ),
    ),
    Card(
        "tired",
        N_("Tired"),
        N_("A sleepy face with heavy eyelids, yawning, with Z letters"),
        (176, 172, 224),
        Face(eyes="half", mouth="o", mouth_curve=0.6, prop="zzz"),
    ),
    Card(
        "bored",
        N_("Bored"),
        N_("A face with half-closed eyes and a flat mouth, next to a clock"),
        (216, 206, 190),
        Face(
            eyes="half",
            look=(0.4, 0.0),
            brow_lift=-0.02,
            mouth="curve",
            mouth_curve=0.0,
            mouth_width=0.4,
            prop="clock",
        ),
    ),
    Card(
        "confused",
        N_("Confused"),
        N_("A puzzled face with one eyebrow up, a crooked mouth and a question mark"),
        (226, 184, 234),
        Face(
            eyes="dot",
            look=(-0.3, -0.2),
            brow_lift=0.0,
            brow_uneven=0.16,
            mouth="slant",
            mouth_curve=0.5,
            mouth_width=0.4,
            prop="question",
        ),
    ),
    Card(
        "worried",
        N_("Worried"),
        N_("A face with raised worried eyebrows, a wobbly mouth and a drop of sweat"),
        (246, 196, 120),
        Face(
            eyes="dot",
            look=(0.0, 0.2),
            brow_lift=0.08,
            brow_tilt=0.13,
            mouth="wobble",
            mouth_curve=1.0,
            mouth_width=0.55,
            sweat=True,
        ),
    ),
    Card(
        "embarrassed",
        N_("Embarrassed"),
        N_("A blushing red face looking away with a shy, wobbly mouth"),
        (248, 170, 192),
        Face(
            eyes="dot",
            look=(-0.5, 0.4),
            brow_lift=0.04,
            brow_tilt=0.06,
            mouth="wobble",
            mouth_curve=0.4,
            mouth_width=0.35,
            blush=True,
        ),
    ),
    Card(
        "sad",
        N_("Sad"),
        N_("A face with a downturned mouth and a tear, under a rain cloud"),
        (120, 164, 228),
        Face(
            eyes="dot",
            look=(0.0, 0.3),
            brow_lift=0.04,
            brow_tilt=0.08,
            mouth="curve",
            mouth_curve=-0.6,
            mouth_width=0.5,
            tears=1,
            prop="rain",
        ),
    ),
    Card(
        "lonely",
        N_("Lonely"),
        N_("A sad face on its own, next to the empty outline of a friend"),
        (156, 172, 204),
        Face(
            eyes="dot",
            look=(0.5, 0.35),
            brow_lift=0.02,
            brow_tilt=0.06,
            mouth="curve",
            mouth_curve=-0.3,
            mouth_width=0.4,
            head_shift=-0.13,
            prop="friend",
        ),
    ),
    Card(
        "scared",
        N_("Scared"),
        N_("A frightened face with wide eyes and an open mouth, shaking"),
        (170, 150, 222),
        Face(
            eyes="wide",
            brow_lift=0.16,
            brow_tilt=0.08,
            mouth="o",
            mouth_curve=1.0,
            sweat=True,
            shake=True,
        ),
    ),
    Card(
        "frustrated",
        N_("Frustrated"),
        N_("A face with squeezed eyes and gritted teeth under a tangled scribble"),
        (240, 142, 96),
        Face(
            eyes="squint",
            brow_lift=0.0,
            brow_tilt=-0.06,
            mouth="teeth",
            mouth_width=0.8,
            prop="scribble",
        ),
    ),
    Card(
        "angry",
        N_("Angry"),
        N_("A face with eyebrows pulled down, a frown and steam puffing out"),
        (232, 98, 88),
        Face(
            eyes="dot",
            brow_lift=-0.02,
            brow_tilt=-0.12,
            mouth="curve",
            mouth_curve=-0.7,
            mouth_width=0.55,
            prop="steam",
        ),
    ),
    Card(
        "unsafe",
        N_("I don't feel safe"),
        N_("A frightened face next to a warning sign"),
        (176, 32, 40),
        Face(
            eyes="wide",
            look=(0.0, 0.25),
            brow_lift=0.08,
            brow_tilt=0.12,
            mouth="wobble",
            mouth_curve=0.8,
            mouth_width=0.45,
            head_shift=-0.05,
            prop="warning",
        ),
        urgent=True,
    ),
    Card(
        "help_now",
        N_("I need help now"),
        N_("A face calling out with a hand raised high"),
        (196, 30, 86),
        Face(
            eyes="dot",
            brow_lift=0.1,
            brow_tilt=0.1,
            mouth="o",
            mouth_curve=0.7,
            head_shift=-0.08,
            prop="hand",
        ),
        urgent=True,
    ),
    Card(
        "dont_know",
        N_("I don't know"),
        N_("A face with a straight mouth and a thought bubble with three dots"),
        (222, 226, 230),
        Face(
            eyes="dot",
            look=(0.45, -0.4),
            brow_lift=0.06,
            mouth="curve",
            mouth_curve=-0.05,
            mouth_width=0.35,
            head_shift=-0.05,
            prop="dots",
        ),
    ),
)

CARDS_BY_ID: dict[str, Card] = {card.id: card for card in DECK}
URGENT_CARD_IDS: frozenset[str] = frozenset(card.id for card in DECK if card.urgent)


def get_card(card_id: str) -> Card:
    try:
        return CARDS_BY_ID[card_id]
    except KeyError:
        raise KeyError(
            f"unknown feelings card id {card_id!r}; known ids: {', '.join(CARDS_BY_ID)}"
        ) from None


def card_label(card_id: str) -> str:
    """The card's label in the current locale."""
    return _(get_card(card_id).label)
