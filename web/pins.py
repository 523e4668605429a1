"""How the PIN pictures are named on the page (the PIN itself: domain/pins.py)."""

from __future__ import annotations

from core.i18n import N_, gettext

# What a screen reader says for each picture: the name a child remembers, not "1".
PICTURE_NAMES = {
    "sun": N_("sun"), "moon": N_("moon"), "star": N_("star"), "heart": N_("heart"),
    "tree": N_("tree"), "fish": N_("fish"), "house": N_("house"), "flower": N_("flower"),
    "ball": N_("ball"),
}


def picture_name(picture: str) -> str:
    return gettext(PICTURE_NAMES[picture])
