""""Did you feel listened to?" — by whom, and how much. Each answer also counts,
without a name, towards the service's KPI. After it, at most once a month, one
optional question about the help overall (its own short flow, so starting
"felt listened to" again, or anything else, simply moves on from it)."""

from __future__ import annotations

from core.i18n import _
from flows.base import Flow, Step
from domain.context import FlowContext
from domain.records import (
    LISTENED_ANSWERS,
    LISTENED_FACES,
    LISTENED_WHO,
    SATISFACTION_ANSWERS,
    SATISFACTION_FACES,
    mark_satisfaction_asked,
    record_listened,
    record_satisfaction,
    satisfaction_due,
)
from flows.screen import Choice, Screen
from flows.state import State


def _thanks() -> str:
    return _("Thank you for telling us. It helps adults get better at listening.")


class ListenedFlow(Flow):
    name = "listened"
    offers_follow_state = True

    def begin(self, ctx: FlowContext) -> State:
        return State(self.name, "who")

    async def render(self, ctx: FlowContext, state: State) -> Screen:
        if state.step == "who":
            return Screen(
                name="listened.who",
                text=_("Did you feel listened to? Who are you thinking about?"),
                choices=tuple(Choice(f"w:{k}", _(v)) for k, v in LISTENED_WHO.items()),
            )
        who = _(LISTENED_WHO[state.data["who"]])
        return Screen(
            name="listened.how",
            text=_("{who}: did you feel listened to?").format(who=who),
            choices=tuple(
                Choice(f"l:{k}", f"{LISTENED_FACES[k]} {_(v)}") for k, v in LISTENED_ANSWERS.items()
            ),
        )

    async def on_tap(self, ctx: FlowContext, state: State, choice: str) -> Step:
        if state.step == "who":
            state.data["who"] = choice[2:]
            state.step = "how"
            return Step(state)
        await record_listened(ctx, who=state.data["who"], answer=choice[2:])
        if await satisfaction_due(ctx):
            # Asked now, whatever happens next: never more than once a month.
            await mark_satisfaction_asked(ctx)
            return Step(State(SatisfactionFlow.name, "ask"))
        return Step(None, lead=_thanks())


class SatisfactionFlow(Flow):
    name = "satisfaction"
    offers_follow_state = True

    def begin(self, ctx: FlowContext) -> State:
        return State(self.name, "ask")

    async def render(self, ctx: FlowContext, state: State) -> Screen:
        return Screen(
            name="listened.satisfied",
            text=_("One more, if you like. Overall, how good is the help you get here?"),
            choices=tuple(
                Choice(f"s:{k}", f"{SATISFACTION_FACES[k]} {_(v)}")
                for k, v in SATISFACTION_ANSWERS.items()
            ) + (Choice("skip", _("Skip")),),
        )

    async def on_tap(self, ctx: FlowContext, state: State, choice: str) -> Step:
        if choice != "skip":
            await record_satisfaction(ctx, answer=choice[2:])
        return Step(None, lead=_thanks())
