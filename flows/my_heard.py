"""A young person's own things on Telegram: "What I've said" (their check-ins one at a
time with the cards as a picture, what came back, and a month of colours) and the
unit's "You said, we did" notes. The web shows the same on its own pages
(web/my_heard_routes.py)."""

from __future__ import annotations

from datetime import date

from cards.my_pictures import draw_month
from core.i18n import _, is_rtl, join_list
from domain.context import FlowContext
from domain.my_history import month_start, my_month, what_i_said
from domain.you_said import notes_for
from flows.base import Flow, Step
from flows.screen import Choice, Screen, ScreenPhoto
from flows.state import State

# Telegram captions stop at 1024 characters; a longer check-in is sent as text.
CAPTION_ROOM = 900


class SaidFlow(Flow):
    name = "said"

    def begin(self, ctx: FlowContext) -> State:
        return State(self.name, "item", {"i": 0})

    async def render(self, ctx: FlowContext, state: State) -> Screen:
        tz = await ctx.timezone()
        if state.step == "month":
            today = ctx.clock.now().astimezone(tz).date()
            first = month_start(state.data.get("month"), today)
            month = await my_month(ctx.session, ctx.vault, ctx.person, first, tz, today)
            picture = draw_month(month.title, month.weekdays, [
                [(d.day.day if d.day else None, d.colours) for d in week] for week in month.weeks],
                rtl=is_rtl())
            described = [f"{d.day.day}: {join_list(d.feelings)}"
                         for week in month.weeks for d in week if d.day and d.feelings]
            text = month.title + ("\n" + "\n".join(described) if described else
                                  "\n" + _("No cards this month."))
            choices = []
            if month.earlier:
                choices.append(Choice("earlier", _("Month before")))
            if month.later:
                choices.append(Choice("later", _("Month after")))
            choices += [Choice("list", _("Back")), Choice("done", _("Done"), primary=True)]
            return Screen(name="said.month", text=text[:3500], choices=tuple(choices), columns=2,
                          photos=(ScreenPhoto(picture, month.title, _(
                              "A calendar of {month} with the colours of the cards you "
                              "chose each day").format(month=month.title)),))
        i = max(0, int(state.data.get("i", 0)))
        # One check-in a page: only that one is read and opened.
        items, has_older = await what_i_said(ctx.session, ctx.vault, ctx.person, tz, i, 1)
        if not items:
            if i:  # older than the oldest (they were erased meanwhile): the newest
                return await self.render(ctx, State(self.name, "item", {"i": 0}))
            return Screen(name="said.none",
                          text=_("You haven't sent a check-in yet. When you do, you can look "
                                 "back at it here."),
                          choices=(Choice("done", _("OK"), primary=True),))
        said = items[0]
        text = "\n".join(said.lines())
        choices = []
        if i > 0:
            choices.append(Choice("newer", _("Newer")))
        if has_older:
            choices.append(Choice("older", _("Older"), primary=True))
        choices += [Choice("month", _("My month")), Choice("done", _("Done"))]
        return Screen(name="said.item", text=text, choices=tuple(choices), columns=2,
                      sheet=tuple(said.cards) if len(text) <= CAPTION_ROOM else ())

    async def on_tap(self, ctx: FlowContext, state: State, choice: str) -> Step:
        i = max(0, int(state.data.get("i", 0)))
        if choice == "done":
            return Step(None)
        if choice == "older":
            return Step(State(self.name, "item", {"i": i + 1}))
        if choice == "newer":
            return Step(State(self.name, "item", {"i": max(0, i - 1)}))
        if choice == "list":
            return Step(State(self.name, "item", {"i": i}))
        if choice in ("month", "earlier", "later"):
            shown = state.data.get("month")
            if choice == "month" or not shown:
                today = ctx.clock.now().astimezone(await ctx.timezone()).date()
                first = today.replace(day=1)
            else:
                first = month_start(shown, date.max)
            if choice == "earlier":
                first = _shift(first, -1)
            elif choice == "later":
                first = _shift(first, 1)
            return Step(State(self.name, "month", {"i": i, "month": first.strftime("%Y-%m")}))
        return Step(state)


def _shift(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


class YouSaidFlow(Flow):
    """/yousaid: what the service changed because of what young people said."""

    name = "yousaid"

    def begin(self, ctx: FlowContext) -> State:
        return State(self.name, "notes")

    async def render(self, ctx: FlowContext, state: State) -> Screen:
        notes = await notes_for(ctx.session, ctx.person, ctx.clock.now())
        if not notes:
            text = _("Nothing here yet. When something changes because of what young people "
                     "said, you will see it here.")
        else:
            text = "\n\n".join([_("You said, we did:"), *(f"\u2022 {n.body}" for n in notes)])
        return Screen(name="yousaid", text=text, choices=(Choice("done", _("OK"), primary=True),))

    async def on_tap(self, ctx: FlowContext, state: State, choice: str) -> Step:
        return Step(None)
