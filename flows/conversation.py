"""The conversation engine: one entry point both channels call with a person's input.

It loads the person's durable state, refuses stale or forged taps, hands the input
to the current flow, saves the new state and returns the screens to show.
"""

from __future__ import annotations

from dataclasses import replace

from core.i18n import DEFAULT_LOCALE, _, set_locale
from flows import unfinished
from flows.base import Flow, Step
from flows.buddies import BuddyFlow
from flows.checkin import CheckInFlow
from domain.context import FlowContext
from flows.home import HomeFlow, LanguageFlow, WelcomeFlow, help_text, home_state
from domain.languages import still_offered
from flows.inputs import Command, Input, Tap, Unusable, Words
from flows.goals import GoalsFlow
from flows.listened import ListenedFlow, SatisfactionFlow
from flows.my_heard import SaidFlow, YouSaidFlow
from flows.review_prep import ReviewPrepFlow
from domain.records import safeguard_words
from flows.crisis import crisis_screens
from flows.my_data import MyDataFlow
from flows.next_home import NextHomeFlow
from flows.reminders import RemindersFlow, can_remind
from flows.screen import Reply, Screen
from flows.state import Shown, State, load_state, new_token, save_state

FLOWS: dict[str, Flow] = {
    flow.name: flow
    for flow in (WelcomeFlow(), HomeFlow(), CheckInFlow(), ListenedFlow(), LanguageFlow(),
                 RemindersFlow(), SatisfactionFlow(), NextHomeFlow(), SaidFlow(), YouSaidFlow(),
                 ReviewPrepFlow(), GoalsFlow(), MyDataFlow(), BuddyFlow())
}
# Flows a command or a home button can start.
STARTABLE = {"checkin", "listened", "language", "reminders", "next", "said", "yousaid",
             "review", "goals", "mydata", "buddy"}
COMMANDS = STARTABLE | {"help", "pause", "start", "home"}
# Commands that replace an open check-in rather than carry it on. Choosing a
# language does not: the check-in waits and carries on in the new language.
LEAVES_A_CHECKIN = (STARTABLE - {"checkin", "language"}) | {"help", "pause"}
# Flows a language change can come back to.
COMES_BACK = {"checkin", "listened", "reminders", "review"}
# Longest typed message we look at; anything longer is refused kindly, not cut.
MAX_TEXT = 4096


class Conversation:
    def __init__(self, ctx: FlowContext) -> None:
        self.ctx = ctx

    async def handle(self, event: Input) -> Reply:
        ctx = self.ctx
        reply = Reply()
        if not await still_offered(ctx.session, ctx.person.service_id, ctx.person.locale,
                                   ctx.language_off):
            # Their service switched this language off (or it no longer ships).
            ctx.person.locale = DEFAULT_LOCALE
            set_locale(DEFAULT_LOCALE)
            if ctx.person.consented_at is not None:  # new here: nothing changed for them
                reply.notice = _("Heard is in English now. You can choose another "
                                 "language any time.")
        set_locale(ctx.person.locale)
        state = await load_state(ctx.session, ctx.vault, ctx.person.id)

        if ctx.person.consented_at is None and (state is None or state.flow != "welcome"):
            state = FLOWS["welcome"].begin(ctx)
            if isinstance(event, Command) and event.name in STARTABLE:
                state.data["then"] = event.name
            return await self._show(state, reply)

        match event:
            case Command(name=name):
                state = await self._command(name, state, reply)
            case Tap(token=token, choice=choice):
                if state is None or token != state.token:
                    reply.notice = _("That button is from before. Here is where you are now.")
                    state = state or home_state()
                    return await self._show(state, reply)
                flow = FLOWS[state.flow]
                shown = await self._shown(state)
                if choice.startswith("go:") and choice in shown.choices:
                    state = await self._command(choice[3:], state, reply)
                elif choice not in shown.choices:
                    reply.notice = _("That button doesn't work here. Here is where you are now.")
                    return await self._show(state, reply)
                else:
                    was = (state.flow, state.step)
                    step = await flow.on_tap(ctx, state, choice)
                    state = await self._apply(step, state, was, reply)
            case Words(text=text):
                if state is None:
                    state = home_state()
                flow = FLOWS[state.flow]
                most = (await self._shown(state)).words
                if most is None or len(text) > most:
                    # Not taken as an answer here, but still read for risk first.
                    reply.screens.extend(crisis_screens(await safeguard_words(ctx, text[:MAX_TEXT])))
                if most is None:
                    if not reply.screens:
                        notice = (await flow.render(ctx, state)).words_notice
                        reply.notice = notice or _("Please tap one of the buttons.")
                    return await self._show(state, reply)
                if len(text) > most:
                    reply.notice = _(
                        "That is a lot of words! Please keep it under {n} letters."
                    ).format(n=most)
                    return reply if not reply.screens else await self._show(state, reply)
                was = (state.flow, state.step)
                taken = await flow.on_words(ctx, state, text)
                assert taken is not None
                state = await self._apply(taken, state, was, reply)
            case Unusable():
                reply.notice = _(
                    "Sorry, I can't use that here. Please tap a button, or type a few words when I ask."
                )
                return reply
        return await self._show(state, reply)

    async def _command(self, name: str, state: State | None, reply: Reply) -> State:
        ctx = self.ctx
        if state is not None and unfinished.waiting(state) and name in LEAVES_A_CHECKIN:
            # They moved on from a check-in with cards chosen: keep what they chose.
            await unfinished.record_as_it_stands(ctx, state)
        if name == "pause":
            ctx.person.paused = True
            return home_state(
                _("Heard is paused. We won't send you any reminders. Come back any time: just tap a button.")
            )
        if ctx.person.paused:
            ctx.person.paused = False
        if name == "reminders" and not can_remind(ctx.person):
            return home_state(_("Reminders can only come through Telegram, and you use Heard "
                                "here. You can check in any time you like."))
        if name in STARTABLE:
            if state is not None and state.flow == name:
                return state  # carry on where they were
            started = FLOWS[name].begin(ctx)
            if name == "language" and state is not None and state.flow in COMES_BACK:
                started.data["back"] = state.to_json()
            return started
        if name == "help":
            return home_state(help_text(await ctx.keyworker_first_name(), ctx.channel))
        if state is not None and state.flow not in ("home",):
            return state
        return home_state()

    async def _apply(
        self, step: Step, state: State, was: tuple[str, str], reply: Reply
    ) -> State:
        reply.screens.extend(step.before)
        if step.notice:
            reply.notice = step.notice
        if step.state is None:
            then = state.data.get("then") if state.flow == "welcome" else None
            if then in STARTABLE:
                return FLOWS[then].begin(self.ctx)
            return home_state(step.lead)
        if (step.state.flow, step.state.step) == was and not step.before:
            # Same question (a card toggled, or a gentle "not yet"): the buttons on
            # screen stay valid, and a channel may redraw them in place.
            reply.in_place = True
        else:
            step.state.token = new_token()
        return step.state

    async def _shown(self, state: State) -> Shown:
        """What the screen on show offers: kept with the state when it follows from
        the state alone (``Flow.offers_follow_state``), else drawn again."""
        flow = FLOWS[state.flow]
        if state.shown is None or not flow.offers_follow_state:
            state.shown = _offers(await flow.render(self.ctx, state))
        return state.shown

    async def _show(self, state: State, reply: Reply, *, save: bool = True) -> Reply:
        ctx = self.ctx
        screen = await FLOWS[state.flow].render(ctx, state)
        state.shown = _offers(screen)
        reply.screens.append(_with_token(screen, state.token))
        if save:
            await save_state(ctx.session, ctx.vault, ctx.person.id, state, ctx.clock.now(),
                             unfinished_due_at=await unfinished.due_at(ctx, state))
        return reply


def _offers(screen: Screen) -> Shown:
    return Shown(frozenset(c.id for c in screen.choices),
                 screen.text_input.max_length if screen.text_input else None)


def _with_token(screen: Screen, token: str) -> Screen:
    return replace(screen, token=token)
