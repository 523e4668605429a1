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
