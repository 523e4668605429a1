"""The shape every conversation has: a first step, how each step looks, and what a
tap or some words do to it."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.context import FlowContext
from flows.screen import Screen
from flows.state import State


@dataclass
class Step:
    """The result of one input: the next state (None ends the flow) and anything to
    show before the next screen (a crisis screen, a thank-you)."""

    state: State | None
    before: list[Screen] = field(default_factory=list)
    notice: str | None = None
    # Shown at the top of the home screen when the flow ends.
    lead: str | None = None


class Flow:
    name: str = ""
    # True when what a screen offers follows from the state alone (no data that can
    # change meanwhile): a tap or words are then checked against what was shown,
    # without drawing the screen again. Screens that show live data (home, my data,
    # buddies…) are drawn again, so a button that no longer applies is refused.
    offers_follow_state: bool = False

    def begin(self, ctx: FlowContext) -> State:
        raise NotImplementedError

    async def render(self, ctx: FlowContext, state: State) -> Screen:
        raise NotImplementedError

    async def on_tap(self, ctx: FlowContext, state: State, choice: str) -> Step:
        raise NotImplementedError

    async def on_words(self, ctx: FlowContext, state: State, text: str) -> Step | None:
        """Handle typed words; None means "this step does not take words"."""
        return None
