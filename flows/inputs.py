"""What a person can do: type a command, tap a choice, write words, or send
something we cannot use (a sticker, a photo, a voice note)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    name: str  # checkin | listened | help | pause | language | start | next | home


@dataclass(frozen=True)
class Tap:
    token: str
    choice: str


@dataclass(frozen=True)
class Words:
    text: str


@dataclass(frozen=True)
class Unusable:
    kind: str  # sticker | photo | voice | video | document | other


Input = Command | Tap | Words | Unusable


# Characters that take no space on screen. A note of only these (and spaces) looks
# empty to the keyworker, so it is no note. Inside words they stay: the joiner
# (U+200D) holds emoji such as family faces together.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u180e"


def note_or_none(text: str) -> str | None:
    """Words with blank and invisible characters trimmed from both ends; None when
    nothing visible is left."""
    while True:
        trimmed = text.strip().strip(INVISIBLE)
        if trimmed == text:
            return text or None
        text = trimmed
