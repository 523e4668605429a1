"""Durable flow state: where a young person is in a conversation.

Kept in the database (encrypted: it holds the cards picked so far), keyed by the
person, not by the channel — so a restart, a second worker or a switch from the
tablet to Telegram carries on from the same step.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import FlowState
from storage.vault import Vault

_TABLE = "flow_states"


@dataclass
class State:
    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)
    token: str = field(default_factory=lambda: new_token())
    # What the screen last shown for this state offered: its button ids and the
    # longest answer it takes in words (None: it takes none). A tap or words are
    # checked against these, so a screen is drawn once per input, not twice.
    # None for a state saved before it was shown (or by an older version).
    shown: Shown | None = None

    def to_json(self) -> dict[str, Any]:
        raw = {"flow": self.flow, "step": self.step, "data": self.data, "token": self.token}
        if self.shown is not None:
            raw["shown"] = {"choices": list(self.shown.choices), "words": self.shown.words}
        return raw

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> State:
        shown = raw.get("shown")
        return cls(raw["flow"], raw["step"], dict(raw.get("data") or {}), raw["token"],
                   Shown(frozenset(shown["choices"]), shown["words"]) if shown else None)


@dataclass(frozen=True)
class Shown:
    choices: frozenset[str]
    words: int | None


def new_token() -> str:
    # Short: it rides in Telegram's 64-byte callback data next to the choice id.
    return secrets.token_urlsafe(6)


async def load_state(session: AsyncSession, vault: Vault, owner: str) -> State | None:
    row = await session.get(FlowState, owner)
    if row is None:
        return None
    return State.from_json(await vault.open(session, owner, _TABLE, owner, row.state_ct))


async def save_state(
    session: AsyncSession, vault: Vault, owner: str, state: State, now: Any,
    *, unfinished_due_at: datetime | None = None,
) -> None:
    """``unfinished_due_at``: when an open check-in is to be recorded as it stands
    (see ``flows.unfinished``); None when nothing is waiting."""
    blob = await vault.seal(session, owner, _TABLE, owner, state.to_json())
    row = await session.get(FlowState, owner)
    if row is None:
        session.add(FlowState(owner=owner, state_ct=blob, updated_at=now,
                              unfinished_due_at=unfinished_due_at))
    else:
        row.state_ct = blob
        row.updated_at = now
        row.unfinished_due_at = unfinished_due_at
