""""Did you feel listened to?" — by whom, and how much. Each answer also counts,
without a name, towards the service's KPI."""

from __future__ import annotations

from app.i18n import _
from flows.base import Flow, Step
from flows.context import FlowContext
from flows.records import (
    LISTENED_ANSWERS,
    LISTENED_FACES,
    LISTENED_WHO,
    SATISFACTION_ANSWERS,
    SATISFACTION_FACES,
    record_listened,
    record_satisfaction,
    satisfaction_due,
)
from flows.screen import Choice, Screen
from flows.state import State


class ListenedFlow(Flow):
    name = "listened"

    def begin(self, ctx: FlowContext) -> State:
        return State(self.name, "who")

    async def render(self, ctx: FlowContext, state: State) -> Screen:
        if state.step == "who":
            return Screen(
                name="listened.who",
                text=_("Did you feel listened to? Who are you thinking about?"),
                choices=tuple(Choice(f"w:{k}", _(v)) for k, v in LISTENED_WHO.items()),
            )
        if state.step == "satisfied":
            return Screen(
                name="listened.satisfied",
                text=_("One more, if you like. Overall, how good is the help you get here?"),
                choices=tuple(
                    Choice(f"s:{k}", f"{SATISFACTION_FACES[k]} {_(v)}")
                    for k, v in SATISFACTION_ANSWERS.items()
                ) + (Choice("skip", _("Skip")),),
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
        thanks = _("Thank you for telling us. It helps adults get better at listening.")
        if state.step == "satisfied":
            await record_satisfaction(ctx, answer=None if choice == "skip" else choice[2:])
            return Step(None, lead=thanks)
        await record_listened(ctx, who=state.data["who"], answer=choice[2:])
        if await satisfaction_due(ctx):
            state.step = "satisfied"
            return Step(state)
        return Step(None, lead=thanks)
