"""What a flow asks a channel to show. Plain data, already translated."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Choice:
    id: str  # short and stable within its screen; travels in button payloads
    label: str
    card_id: str | None = None  # a feelings card drawn beside or as the button
    selected: bool = False
    primary: bool = False  # the main way forward ("Done", "OK, let's go")


@dataclass(frozen=True)
class Link:
    """Something to contact right now: a phone number, a text number."""

    label: str  # the whole of it in one line, for a channel that shows text only
    href: str  # tel:… or sms:…
    kind: str = "call"  # call | text: which symbol a channel draws beside it
    name: str = ""  # who: "Childline"
    number: str = ""  # what to do, number written out: "Call 0800 1111"


@dataclass(frozen=True)
class ScreenPhoto:
    """A photo to show with a screen (already cleaned: no metadata)."""

    jpeg: bytes
    caption: str  # shown under it
    alt: str  # for anyone who cannot see it


@dataclass(frozen=True)
class TextInput:
    max_length: int
    placeholder: str
    skip_choice: str | None = None  # the choice id that means "no words"


@dataclass(frozen=True)
class Screen:
    name: str  # e.g. "checkin.cards"; lets a channel pick a layout
    text: str
    choices: tuple[Choice, ...] = ()
    columns: int = 1
    # Feelings cards to show as a picture sheet (the choices name the same cards).
    sheet: tuple[str, ...] = ()
    max_picks: int = 0  # >0: a pick-several screen; taps toggle, a primary choice confirms
    text_input: TextInput | None = None
    links: tuple[Link, ...] = ()
    links_title: str = ""  # said just above the links ("Talk to someone now…")
    token: str = ""  # set by the engine: a tap carries it, so old buttons are recognised
    urgent: bool = False
    photos: tuple[ScreenPhoto, ...] = ()
    # What words typed at a screen that takes none are answered with, when "Please
    # tap one of the buttons." would not be kind (e.g. a buddy chat that has closed).
    words_notice: str = ""

    def choice(self, choice_id: str) -> Choice | None:
        return next((c for c in self.choices if c.id == choice_id), None)


@dataclass
class Reply:
    """Everything one input produced: screens to show, in order, and a short notice
    (a channel may show it as a toast, e.g. Telegram's callback answer)."""

    screens: list[Screen] = field(default_factory=list)
    notice: str | None = None
    # True when the last screen replaces the one tapped (a toggle) rather than follows it.
    in_place: bool = False
