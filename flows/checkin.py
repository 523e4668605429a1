"""The check-in: pick up to three feelings cards, say how much, say what would help,
add a few words if you like. Skipping the words is always fine."""

from __future__ import annotations

from core.i18n import _
from cards.deck import DECK, get_card
from flows.base import Flow, Step
from domain.context import FlowContext
from flows.inputs import note_or_none
from domain.records import AMOUNTS, HELP_OPTIONS, record_checkin, safeguard_tap
from flows.crisis import crisis_screens
from flows.screen import Choice, Screen, TextInput
from flows.state import State
from storage.models import new_id

MAX_CARDS = 3
MAX_WORDS = 500


async def pick_card(ctx: FlowContext, state: State, card_id: str) -> Step:
    """A card tapped on or off (``state.data["cards"]``). An urgent card raises the
    alert the moment it is tapped; tapping it off and on again is still one alert."""
    data = state.data
    picked: list[str] = data["cards"]
    if card_id in picked:
        picked.remove(card_id)
    elif len(picked) >= MAX_CARDS:
        return Step(state, notice=_("You can pick up to 3. Tap a card again to take it off."))
    else:
        picked.append(card_id)
        if not data.get("alert_id"):
            data["alert_id"], crisis = await safeguard_tap(ctx, list(picked))
            if crisis:
                return Step(state, before=crisis_screens(crisis))
    return Step(state)

class CheckInFlow(Flow):
    name = "checkin"
    offers_follow_state = True

    def begin(self, ctx: FlowContext) -> State:
        # The record's id is chosen now, so an alert raised at a tap, the record kept
        # after a silence and the finished check-in are all the same check-in.
        return State(self.name, "cards", {"cards": [], "checkin_id": new_id(),
                                          "channel": ctx.channel})

    async def render(self, ctx: FlowContext, state: State) -> Screen:
        data = state.data
        if state.step == "cards":
            picked = data["cards"]
            return Screen(
                name="checkin.cards",
                text=_("How are you feeling? Tap up to 3 cards, then tap Done."),
                choices=tuple(
                    Choice(f"c:{card.id}", _(card.label), card_id=card.id, selected=card.id in picked)
                    for card in DECK
                )
                + (Choice("done", _("Done"), primary=True),),
                columns=3,
                sheet=tuple(card.id for card in DECK),
                max_picks=MAX_CARDS,
            )
        if state.step == "amount":
            names = ", ".join(_(get_card(c).label) for c in data["cards"])
            return Screen(
                name="checkin.amount",
                text=_("{feelings}. How much do you feel this?").format(feelings=names),
                choices=tuple(Choice(f"a:{k}", _(v)) for k, v in AMOUNTS.items()),
                columns=2,
            )
        if state.step == "help":
            return Screen(
                name="checkin.help",
                text=_("What would help?"),
                choices=tuple(Choice(f"h:{k}", _(v)) for k, v in HELP_OPTIONS.items()),
                columns=1,
            )
        # "words"
        return Screen(
            name="checkin.words",
            text=_("Do you want to add a few words? Type them here, or tap Skip."),
            choices=(Choice("skip", _("Skip")),),
            text_input=TextInput(MAX_WORDS, _("A few words (if you like)"), skip_choice="skip"),
        )

    async def on_tap(self, ctx: FlowContext, state: State, choice: str) -> Step:
        data = state.data
        if state.step == "cards":
            if choice.startswith("c:"):
                return await pick_card(ctx, state, choice[2:])
            if not data["cards"]:
                return Step(state, notice=_("Tap at least one card first. \u201cI don't know\u201d is fine too."))
            state.step = "amount"
            return Step(state)
        if state.step == "amount":
            data["amount"] = choice[2:]
            state.step = "help"
            return Step(state)
        if state.step == "help":
            data["help"] = choice[2:]
            state.step = "words"
            return Step(state)
        return await self._finish(ctx, state, None)

    async def on_words(self, ctx: FlowContext, state: State, text: str) -> Step | None:
        if state.step != "words":
            return None
        return await self._finish(ctx, state, note_or_none(text))

    async def _finish(self, ctx: FlowContext, state: State, words: str | None) -> Step:
        data = state.data
        outcome = await record_checkin(
            ctx,
            cards=list(data["cards"]),
            amount=data["amount"],
            help_choice=data["help"],
            words=words,
            checkin_id=data.get("checkin_id"),
            alert_id=data.get("alert_id"),
        )
        name = await ctx.keyworker_first_name()
        thanks = (
            _("Thank you. {name} will see this.").format(name=name)
            if name
            else _("Thank you. Your keyworker will see this.")
        )
        return Step(None, before=crisis_screens(outcome.crisis), lead=thanks)
