"""An outgoing message, as stored (encrypted) in the outbox: channel-neutral data."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Button:
    """A button under a message: what it does (``action``: "seen", "take", or "tap"
    for a conversation's own choice) and what it acts on (``ref``: a check-in's or an
    alert's id, or the channel's own payload for "tap"). Each channel turns this into
    its own format (Telegram: ``bot/callbacks.py``)."""

    text: str
    action: str
    ref: str

    @classmethod
    def from_json(cls, raw: dict[str, str]) -> Button:
        if "action" in raw:
            return cls(raw["text"], raw["action"], raw["ref"])
        # Queued before buttons said what they do: {"text", "data": "seen:<id>"}.
        action, sep, ref = raw["data"].partition(":")
        if sep and action in ("seen", "take"):
            return cls(raw["text"], action, ref)
        return cls(raw["text"], "tap", raw["data"])


@dataclass(frozen=True)
class Message:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    # Feelings cards to draw and attach as one picture (rendered when sent).
    card_ids: tuple[str, ...] = ()
    # Or a pre-rendered picture kind the sender knows how to draw (e.g. a mood strip).
    picture: dict[str, Any] = field(default_factory=dict)
    # The recipient's language, for words drawn inside pictures.
    locale: str = "en"
    # Email only: where it goes and its subject line (a Telegram message has neither).
    address: str = ""
    subject: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Message:
        return cls(
            text=raw["text"],
            buttons=tuple(tuple(Button.from_json(b) for b in row) for row in raw.get("buttons", ())),
            card_ids=tuple(raw.get("card_ids", ())),
            picture=dict(raw.get("picture") or {}),
            locale=raw.get("locale", "en"),
            address=raw.get("address", ""),
            subject=raw.get("subject", ""),
        )
