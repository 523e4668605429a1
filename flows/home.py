"""The home screen, the welcome a young person sees before anything else, help,
and choosing a language."""

from __future__ import annotations

from core.i18n import _, language_name, set_locale
from domain import buddies
from domain.context import FlowContext
from domain.goals import has_goals
from domain.languages import offered_locales
from domain.placements import current_move
from domain.review import latest_summary_line
from domain.you_said import notes_for
from flows.base import Flow, Step
from flows.reminders import can_remind
from flows.screen import Choice, Link, Screen
from flows.state import State

# Who a young person can contact right now, whatever Heard is doing.
def crisis_links() -> tuple[Link, ...]:
    return (
        Link(_("Childline: 0800 1111"), "tel:08001111", "call", _("Childline"),
             _("Call 0800 1111")),
        Link(_("Shout: text SHOUT to 85258"), "sms:85258?body=SHOUT", "text", _("Shout"),
             _("Text SHOUT to 85258")),
        Link(_("Samaritans: 116 123"), "tel:116123", "call", _("Samaritans"),
             _("Call 116 123")),
        Link(_("Emergency: 999"), "tel:999", "call", _("In an emergency"), _("Call 999")),
    )


def interpreter_line() -> str:
    """Said with the contacts in every language: the numbers are UK ones, the same for all."""
    return _("Childline can find someone who speaks your language. Call and say the name "
             "of your language in English.")


def home_state(lead: str | None = None) -> State:
    return State("home", "menu", {"lead": lead} if lead else {})


class HomeFlow(Flow):
    name = "home"

    def begin(self, ctx: FlowContext) -> State:
        return home_state()

    async def render(self, ctx: FlowContext, state: State) -> Screen:


        lead = state.data.get("lead")
        ask = _("What would you like to do?")
        # A summary made for their review is never made behind their back.
        told = await latest_summary_line(ctx.session, ctx.person, ctx.clock.now(),
                                         await ctx.timezone())
        if told:
            ask = f"{told}\n\n{ask}"
        if ctx.channel == "web":
            # On Telegram the outbox asks this (domain.buddies.settling_in_due).
            settling = await buddies.settling_in_line(ctx.session, ctx.person,
                                                      ctx.clock.now())
            if settling:
                ask = f"{settling}\n\n{ask}"
        buddy, asked = await _buddy_choice(ctx)
        if asked:
            ask = _("Someone asked if you would like to be a buddy for someone new.") + \
                f"\n\n{ask}"
        choices = [
            Choice("go:checkin", _("Show how I feel"), primary=True),
            Choice("go:listened", _("Did I feel listened to?")),
        ]
        if can_remind(ctx.person):
            choices.append(Choice("go:reminders", _("Reminders")))
        if ctx.channel == "telegram":
            # The web has its own pages for these (web/next_home_routes.py,
            # web/my_heard_routes.py), linked under the home screen.
            if await current_move(ctx.session, ctx.person.id) is not None:
                choices.append(Choice("go:next", _("My next home")))
            choices.append(Choice("go:said", _("What I've said")))
            if await notes_for(ctx.session, ctx.person, ctx.clock.now()):
                choices.append(Choice("go:yousaid", _("You said, we did")))
        choices.append(Choice("go:review", _("Getting ready for my review")))
        if await has_goals(ctx.session, ctx.person.id):
            choices.append(Choice("go:goals", _("My goals")))
        if buddy is not None:
            choices.append(buddy)
        choices.append(Choice("go:help", _("Help")))
        return Screen(
            name="home",
            text=f"{lead}\n\n{ask}" if lead else ask,
            choices=tuple(choices),
        )

    async def on_tap(self, ctx: FlowContext, state: State, choice: str) -> Step:
        raise AssertionError("home choices are commands; the conversation starts them")


async def _buddy_choice(ctx: FlowContext) -> tuple[Choice | None, bool]:
    """The home screen's way to /buddy, and whether they have been asked and not
    answered yet: "My buddy" while a relay is open; "Would you like to be a buddy?"
    while asked; "Being a buddy" once they have answered, so they can change their
    mind. Nothing for anyone never asked."""
    if await buddies.open_match(ctx.session, ctx.person.id, ctx.clock.now()) is not None:
        return Choice("go:buddy", _("My buddy")), False
    consent = await buddies.consent_of(ctx.session, ctx.person.id)
    if consent is None:
        return None, False
    if consent.state == buddies.ASKED:
        return Choice("go:buddy", _("Would you like to be a buddy?")), True
    return Choice("go:buddy", _("Being a buddy")), False


def help_text(keyworker: str | None, channel: str) -> str:
    who = keyworker or _("your keyworker")
    parts = [
        _("Heard is a way to show how you feel by tapping picture cards."),
        _("{who} sees your check-ins and will tell you they have seen them.").format(who=who),
        _("Your service only sees totals, never your name."),
        _("To talk to a person, ask {who} or any adult where you live.").format(who=who),
        _("If you are not safe right now, you can call or text:"),
        _("Childline 0800 1111 \u2022 Shout: text SHOUT to 85258 \u2022 Samaritans 116 123 \u2022 999 in an emergency"),
    ]
    if channel == "telegram":
        parts.append(_("Commands: /checkin, /listened, /said, /review, /goals, /yousaid, "
                       "/mydata, /reminders, /help, /language, /pause"))
    return "\n\n".join(parts)


class WelcomeFlow(Flow):
    """Before the first card: what Heard is, who sees what, and what happens if
    they tell us they are not safe. No surprises."""

    name = "welcome"

    def begin(self, ctx: FlowContext) -> State:
        return State(self.name, "intro")

    async def render(self, ctx: FlowContext, state: State) -> Screen:
        nickname = await ctx.nickname()
        keyworker = await ctx.keyworker_first_name() or _("your keyworker")
        lines = [
            _("Hi {name}! This is Heard.").format(name=nickname),
            _("You can tap pictures to show how you feel. You don't have to find the words."),
            _("\u2022 Who sees it: {keyworker}, your keyworker. Your service only sees totals, never your name.").format(keyworker=keyworker),
            _("\u2022 What you write is locked (encrypted), so other people can't read it."),
            _("\u2022 If you tell us you are not safe, we will tell an adult straight away, so they can help."),
            _("\u2022 You can skip anything, and stop any time."),
        ]
        if ctx.channel == "telegram":
            lines.append(
                _("\u2022 Messages here go through Telegram, a company outside your service.")
            )
        return Screen(
            name="welcome",
            text="\n\n".join(lines),
            choices=(Choice("ok", _("OK, let's go"), primary=True),),
        )

    async def on_tap(self, ctx: FlowContext, state: State, choice: str) -> Step:
        ctx.person.consented_at = ctx.clock.now()
        return Step(None, lead=_("Great. You can check in any time."))


class LanguageFlow(Flow):
    """Choosing a language. Opened in the middle of a check-in, it keeps the check-in
    (in ``data["back"]``) and goes back to the same question in the new language."""

    name = "language"

    def begin(self, ctx: FlowContext) -> State:
        return State(self.name, "pick")

    async def render(self, ctx: FlowContext, state: State) -> Screen:
        offered = await offered_locales(ctx.session, ctx.person.service_id)
        return Screen(
            name="language",
            text=_("Which language would you like?"),
            choices=tuple(Choice(f"lang:{code}", language_name(code)) for code in offered),
            columns=2,
        )

    async def on_tap(self, ctx: FlowContext, state: State, choice: str) -> Step:

        ctx.person.locale = set_locale(choice.removeprefix("lang:"))
        back = state.data.get("back")
        if back:
            return Step(State.from_json(back), notice=_("OK! Here is where you were."))
        return Step(None, lead=_("OK!"))
