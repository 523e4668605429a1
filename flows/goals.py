"""/goals: the goals a young person agreed with their keyworker; they rate each from
0 to 10 when they like (big numbers, faces at 0, 5 and 10) and see their own line."""

from __future__ import annotations

from cards.my_pictures import draw_goal_line
from core.i18n import _, is_rtl
from domain.context import FlowContext
from domain.goals import GoalView, goals_of, rate_goal
from flows.base import Flow, Step
from flows.screen import Choice, Screen, ScreenPhoto
from flows.state import State

FACES = {0: "\U0001f61e", 5: "\U0001f610", 10: "\U0001f604"}


def scale_label(value: int) -> str:
    face = FACES.get(value)
    return f"{value} {face}" if face else str(value)


class GoalsFlow(Flow):
    name = "goals"

    def begin(self, ctx: FlowContext) -> State:
        return State(self.name, "list")

    async def _goal(self, ctx: FlowContext, state: State) -> GoalView | None:
        goal_id = state.data.get("goal")
        return next((g for g in await goals_of(ctx.session, ctx.vault, ctx.person)
                     if g.id == goal_id), None)

    async def render(self, ctx: FlowContext, state: State) -> Screen:
        if state.step in ("rate", "line"):
            goal = await self._goal(ctx, state)
            if goal is None:  # ended by their keyworker meanwhile
                state.step = "list"
            elif state.step == "rate":
                return Screen(
                    name="goals.rate",
                    text=_("\u201c{goal}\u201d\n\nHow is it going? 0 is not at all, 10 is "
                           "brilliant.").format(goal=goal.text),
                    choices=tuple(Choice(f"r:{n}", scale_label(n)) for n in range(11))
                    + (Choice("list", _("Back")),),
                    columns=4)
            else:
                points = [value for _at, value in goal.ratings]
                text = _("\u201c{goal}\u201d\n\nYour numbers so far: {points}").format(
                    goal=goal.text, points=", ".join(str(p) for p in points))
                picture = draw_goal_line(goal.text, points, _("first"), _("latest"),
                                         rtl=is_rtl())
                return Screen(name="goals.line", text=text,
                              choices=(Choice("list", _("My goals")),
                                       Choice("done", _("Done"), primary=True)),
                              photos=(ScreenPhoto(picture, goal.text, _(
                                  "A line of your numbers for this goal, from the first to the "
                                  "latest")),))
        goals = await goals_of(ctx.session, ctx.vault, ctx.person)
        if not goals:
            return Screen(name="goals.none",
                          text=_("You don't have any goals yet. You and your keyworker can agree "
                                 "up to 3 goals, in your own words."),
                          choices=(Choice("done", _("OK"), primary=True),))
        return Screen(name="goals.list",
                      text=_("Your goals. Tap one to say how it is going."),
                      choices=tuple(Choice(f"g:{g.id}", g.text) for g in goals)
                      + (Choice("done", _("Done"), primary=True),))

    async def on_tap(self, ctx: FlowContext, state: State, choice: str) -> Step:
        if choice == "done":
            return Step(None)
        if choice == "list":
            return Step(State(self.name, "list"))
        if choice.startswith("g:"):
            return Step(State(self.name, "rate", {"goal": choice[2:]}))
        if choice.startswith("r:") and state.step == "rate":
            rated = await rate_goal(ctx.session, ctx.vault, ctx.person, str(state.data["goal"]),
                                    int(choice[2:]), ctx.channel, ctx.clock.now())
            if not rated:
                return Step(State(self.name, "list"),
                            notice=_("That goal has finished. Here are your goals now."))
            return Step(State(self.name, "line", dict(state.data)), notice=_("Thank you."))
        return Step(State(self.name, "list"))
