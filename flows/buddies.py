"""/buddy: being a buddy for someone new, and the short messages between a young
person moving in and their buddy.

- Asked (or not yet answered): "Would you like to be a buddy for someone new?" Yes /
  No. No is final until they change their mind here; yes can be taken back ("I don't
  want to be a buddy any more").
- Chosen as a buddy: first a short hello (or a kind one written for them).
- While the relay is open, either side: "Your buddy" — the other's nickname, the
  hello, and a box to send a message; "Stop messages" closes it for good, at once.

What is typed is read for risk first (``domain.records.safeguard_words``, through
``domain.buddies``), like words anywhere in Heard.
"""

from __future__ import annotations

from core.i18n import _
from domain import buddies
from domain.buddies import HELLO_LIMIT, NO, RELAY_LIMIT, YES, MatchView
from domain.context import FlowContext
from domain.placements import current_move
from flows.base import Flow, Step
from flows.crisis import crisis_screens
from flows.screen import Choice, Screen, TextInput
from flows.state import State

# How many of the latest messages the web page lists (Telegram has them in the chat).
SHOWN = 12


def _held_notice(name: str, reached: bool) -> str:
    held = _("This message was not passed on to {name}.").format(name=name)
    if not reached:  # the crisis screen says to find an adult; promise nothing more
        return held
    return held + " " + _("An adult who looks after you will talk with you about it.")


class BuddyFlow(Flow):
    name = "buddy"

    def begin(self, ctx: FlowContext) -> State:
        return State(self.name, "main")

    async def _view(self, ctx: FlowContext) -> MatchView | None:
        return await buddies.view_for(ctx.session, ctx.vault, ctx.person, ctx.clock.now())

    async def render(self, ctx: FlowContext, state: State) -> Screen:
        view = await self._view(ctx)
        if view is not None:
            if view.i_am_buddy and view.hello is None:
                return self._hello_screen(view)
            return self._chat_screen(ctx, view, again=bool(state.data.get("again")))
        if state.step == "chat":
            name = state.data.get("name") or _("your buddy")
            return Screen(
                name="buddy.closed",
                text=_("Messages with {name} have closed, so nothing more can be sent. If you "
                       "want to talk, the adults who look after you are there for you.")
                .format(name=name),
                choices=(Choice("done", _("OK"), primary=True),),
                words_notice=_("Messages with {name} have closed, so this was not sent.")
                .format(name=name))
        planned = await current_move(ctx.session, ctx.person.id)
        if planned is not None:
            return Screen(
                name="buddy.waiting",
                text=_("You don't have a buddy yet. If the people at {place} choose one for "
                       "you, we will tell you.").format(place=planned.placement.name),
                choices=(Choice("done", _("OK"), primary=True),))
        consent = await buddies.consent_of(ctx.session, ctx.person.id)
        if consent is not None and consent.state == YES:
            return Screen(
                name="buddy.yes",
                text=_("Thank you for saying yes to being a buddy. If someone new is moving "
                       "in, the staff may choose you, and we will tell you."),
                choices=(Choice("leave", _("I don't want to be a buddy any more")),
                         Choice("done", _("OK"), primary=True)))
        if consent is not None and consent.state == NO:
            return Screen(
                name="buddy.no",
                text=_("You said no to being a buddy. That's fine. If you change your mind, "
                       "you can say yes here any time."),
                choices=(Choice("yes", _("Yes, I'd like to be a buddy")),
                         Choice("done", _("OK"), primary=True)))
        return Screen(
            name="buddy.ask",
            text="\n\n".join([
                _("Would you like to be a buddy for someone new?"),
                _("A buddy says hello to a young person who is moving to where you live, and "
                  "answers their questions in their first week. The messages go through "
                  "Heard. You can stop any time."),
                _("It is fine to say no. We won't ask again."),
            ]),
            choices=(Choice("yes", _("Yes")), Choice("no", _("No, thank you"))), columns=2)

    def _hello_screen(self, view: MatchView) -> Screen:
        return Screen(
            name="buddy.hello",
            text="\n\n".join([
                _("You are {name}'s buddy. {name} is moving to {place} soon.").format(
                    name=view.other_name, place=view.place),
                _("Write a short hello for them. Please don't put a phone number, username "
                  "or link in it."),
            ]),
            text_input=TextInput(HELLO_LIMIT, _("Your hello"), "default"),
            choices=(Choice("default", _("Send a kind hello for me")),))

    def _chat_screen(self, ctx: FlowContext, view: MatchView, *, again: bool = False) -> Screen:
        name = view.other_name
        if again and ctx.channel == "telegram":
            # Right after a message: the chat above already holds the rest.
            return Screen(
                name="buddy.chat",
                text=_("You can send {name} another message, or tap Done.").format(name=name),
                text_input=TextInput(RELAY_LIMIT, _("Send a message to {name}").format(
                    name=name)),
                choices=(Choice("stop", _("Stop messages")),
                         Choice("done", _("Done"), primary=True)),
                columns=2)
        if view.i_am_buddy:
            lines = [_("You are {name}'s buddy.").format(name=name)]
        else:
            lines = [_("Your buddy: {name}").format(name=name),
                     _("{name} says: \u201c{hello}\u201d").format(
                         name=name, hello=view.hello or buddies.default_hello(view.place))]
        if ctx.channel == "web" and view.messages:
            for m in view.messages[-SHOWN:]:
                who = _("You") if m.mine else m.name
                lines.append(f"\u2022 {who}: {m.text}")
        lines.append(_("Messages go through Heard, so phone numbers, usernames and links are "
                       "taken out."))
        lines.append(_("Send a message to {name}:").format(name=name))
        return Screen(
            name="buddy.chat",
            text="\n\n".join(lines),
            text_input=TextInput(RELAY_LIMIT, _("Send a message to {name}").format(name=name)),
            choices=(*self._refresh(ctx), Choice("stop", _("Stop messages")),
                     Choice("done", _("Done"), primary=True)),
            columns=2)

    def _refresh(self, ctx: FlowContext) -> tuple[Choice, ...]:
        # A web page shows what was there when it was drawn; Telegram gets each message.
        return (Choice("refresh", _("See new messages")),) if ctx.channel == "web" else ()

    def _chat(self, view: MatchView | None, *, again: bool = False) -> State:
        data: dict[str, object] = {"name": view.other_name} if view else {}
        if again:
            data["again"] = True
        return State(self.name, "chat", data)

    async def on_tap(self, ctx: FlowContext, state: State, choice: str) -> Step:
        now = ctx.clock.now()
        if choice == "done":
            return Step(None)
        if choice == "yes":
            await buddies.answer(ctx.session, ctx.person, yes=True, now=now)
            return Step(None, lead=_("Thank you! If someone new is moving in, the staff may "
                                     "choose you as their buddy, and we will tell you."))
        if choice in ("no", "leave"):
            await buddies.answer(ctx.session, ctx.person, yes=False, now=now)
            return Step(None, lead=_("That's OK. We won't ask again. If you change your "
                                     "mind, you can say yes any time."))
        view = await self._view(ctx)
        if choice == "refresh":
            return Step(self._chat(view))
        if choice == "default":
            await buddies.write_hello(ctx, None)
            return Step(self._chat(view), notice=_("Thank you! We sent {name} a kind hello "
                                                   "from you.").format(
                                                       name=view.other_name if view else ""))
        if choice == "stop":
            told = await buddies.stop(ctx.session, ctx.vault, ctx.person, now)
            name = view.other_name if view else _("your buddy")
            if told is None:
                return Step(self._chat(view))
            notice = _("Messages with {name} are stopped. Nothing more will be passed on.") \
                .format(name=name)
            if told:
                notice += " " + _("We told {name}.").format(name=name)
            return Step(self._chat(view), notice=notice)
        return Step(state)

    async def on_words(self, ctx: FlowContext, state: State, text: str) -> Step | None:
        view = await self._view(ctx)
        if view is None:
            return Step(self._chat(None), notice=_(
                "Messages with your buddy have closed, so this was not sent."))
        if view.i_am_buddy and view.hello is None:
            result = await buddies.write_hello(ctx, text)
            done = _("Thank you! {name} will see your hello.").format(name=view.other_name)
        else:
            result = await buddies.send(ctx, text)
            done = _("Sent to {name}.").format(name=view.other_name)
        if result.closed:
            return Step(self._chat(view), notice=_(
                "Messages with {name} have closed, so this was not sent.").format(
                    name=view.other_name))
        if result.too_long:
            return Step(state, notice=_("That is a lot of words! Please keep it under {n} "
                                        "letters.").format(n=RELAY_LIMIT))
        if result.crisis is not None:
            return Step(self._chat(view), before=crisis_screens(result.crisis),
                        notice=_held_notice(view.other_name, result.crisis.reached))
        if not result.sent:
            return Step(state, notice=_("Please type a few words."))
        notice = done
        if result.removed:
            notice = buddies.removed_notice() + " " + done
        return Step(self._chat(view, again=True), notice=notice)
