"""/review: "What do you want the people at your review to know?"

How things are (cards), what's going well, what they want to change, who they want
there, and anything they don't want talked about — each can be skipped. They see the
summary before anything is shared, and choose: share it with their keyworker, or
keep it to themselves. Cards and words are read for risk as everywhere else.
"""

from __future__ import annotations

from cards.deck import DECK
from core.i18n import _
from domain import review_prep
from domain.context import FlowContext
from domain.records import safeguard_words
from flows.base import Flow, Step
from flows.checkin import MAX_CARDS, pick_card
from flows.crisis import crisis_screens
from flows.inputs import note_or_none
from flows.screen import Choice, Screen, TextInput
from flows.state import State

ASKED = tuple(review_prep.QUESTIONS)  # well, change, who, avoid


class ReviewPrepFlow(Flow):
    name = "review"

    def begin(self, ctx: FlowContext) -> State:
        return State(self.name, "start", {})

    def _fresh(self) -> State:
        return State(self.name, "cards", {"cards": []})

    async def render(self, ctx: FlowContext, state: State) -> Screen:
        data = state.data
        who = review_prep.keyworker_name(await ctx.keyworker())
        if state.step == "start":
            saved = await review_prep.latest(ctx.session, ctx.vault, ctx.person)
            if saved is None:
                return Screen(
                    name="review.start",
                    text=_("Getting ready for your review. What do you want the people at "
                           "your review to know? You can skip any question. Nothing is shared "
                           "unless you choose to share it."),
                    choices=(Choice("begin", _("Let's start"), primary=True),
                             Choice("done", _("Not now"))))
            shared = (_("You shared this with {name}.").format(name=who) if saved.shared else
                      _("You kept this to yourself. Nobody else can see it."))
            choices = [Choice("unshare", _("Stop sharing it")) if saved.shared else
                       Choice("share", _("Share it with {name}").format(name=who)),
                       Choice("again", _("Start again")), Choice("done", _("Done"), primary=True)]
            return Screen(name="review.saved",
                          text="\n\n".join([_("What you want your review to know:"),
                                            "\n".join(review_prep.summary_lines(saved.payload))
                                            or _("(nothing written)"), shared]),
                          choices=tuple(choices))
        if state.step == "cards":
            picked = data["cards"]
            return Screen(
                name="review.cards",
                text=_("How are things for you at the moment? Tap up to 3 cards, then tap Done."),
                choices=tuple(Choice(f"c:{card.id}", _(card.label), card_id=card.id,
                                     selected=card.id in picked) for card in DECK)
                + (Choice("done", _("Done"), primary=True),),
                columns=3, sheet=tuple(card.id for card in DECK), max_picks=MAX_CARDS)
        if state.step in ASKED:
            return Screen(
                name=f"review.{state.step}",
                text=_(review_prep.QUESTIONS[state.step]) + "\n\n" +
                _("Type it here, or tap Skip."),
                choices=(Choice("skip", _("Skip")),),
                text_input=TextInput(review_prep.WORDS_LIMIT, _("A few words (if you like)"),
                                     skip_choice="skip"))
        # "summary": seen before anything is shared
        lines = review_prep.summary_lines(data) or [_("(nothing written)")]
        return Screen(
            name="review.summary",
            text="\n\n".join([_("Here is what you want your review to know:"), "\n".join(lines),
                              _("Would you like to share it with {name}? They can bring it to "
                                "your review.").format(name=who)]),
            choices=(Choice("share", _("Share it with {name}").format(name=who), primary=True),
                     Choice("keep", _("Keep it to myself")),
                     Choice("again", _("Start again"))))

    async def on_tap(self, ctx: FlowContext, state: State, choice: str) -> Step:
        data = state.data
        now = ctx.clock.now()
        if choice == "done" and state.step in ("start",):
            return Step(None)
        if choice in ("begin", "again"):
            return Step(self._fresh())
        if state.step == "start" and choice in ("share", "unshare"):
            saved = await review_prep.latest(ctx.session, ctx.vault, ctx.person)
            if saved is not None:
                await review_prep.set_shared(ctx.session, ctx.vault, ctx.person, saved.id,
                                             choice == "share", now)
            who = review_prep.keyworker_name(await ctx.keyworker())
            return Step(None, lead=_("Shared with {name}.").format(name=who) if choice == "share"
                        else _("OK. It is not shared any more. Only you can see it."))
        if state.step == "cards":
            if choice.startswith("c:"):
                return await pick_card(ctx, state, choice[2:])
            state.step = ASKED[0]
            return Step(state)
        if state.step in ASKED:
            return Step(self._next(state))
        if state.step == "summary":
            answers = {k: data.get(k) for k in ("cards", *ASKED)}
            await review_prep.save(ctx.session, ctx.vault, ctx.person, answers, now,
                                   share=choice == "share")
            who = review_prep.keyworker_name(await ctx.keyworker())
            return Step(None, lead=_("Shared with {name}. They can bring it to your review.")
                        .format(name=who) if choice == "share" else
                        _("Kept just for you. You can share it later with /review."))
        return Step(state)

    async def on_words(self, ctx: FlowContext, state: State, text: str) -> Step | None:
        if state.step not in ASKED:
            return None
        state.data[state.step] = note_or_none(text)
        crisis = await safeguard_words(ctx, text)
        nxt = self._next(state)
        return Step(nxt, before=crisis_screens(crisis))

    def _next(self, state: State) -> State:
        i = ASKED.index(state.step)
        state.step = ASKED[i + 1] if i + 1 < len(ASKED) else "summary"
        return state
