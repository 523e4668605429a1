"""/mydata: what Heard keeps about a young person and who can see it, in short words;
the whole of it as a PDF to keep (Telegram; the web has its "My data" page); and
"Delete my data", asked with a confirm step and stopped while it waits."""

from __future__ import annotations

from babel.dates import format_date

from core.i18n import _, current_locale, dates_locale
from domain.context import FlowContext
from domain.my_data import (
    ask_to_erase,
    decision_promise,
    open_request,
    send_my_data_pdf,
    withdraw,
)
from flows.base import Flow, Step
from flows.screen import Choice, Screen
from flows.state import State


def _menu() -> State:
    return State("mydata", "menu")


class MyDataFlow(Flow):
    name = "mydata"

    def begin(self, ctx: FlowContext) -> State:
        return _menu()

    async def render(self, ctx: FlowContext, state: State) -> Screen:
        days = ctx.services.erase_decision_days
        waiting = await open_request(ctx.session, ctx.person)
        if state.step == "confirm" and waiting is None:
            return Screen(
                name="mydata.confirm",
                text="\n\n".join([
                    _("Do you want us to delete your data in Heard?"),
                    _("Your keyworker and your service will be told. Sometimes a care record "
                      "has to be kept, so your service decides within {days} days.")
                    .format(days=days),
                    decision_promise(ctx.person),
                ]),
                # Neither answer is pushed: the two buttons look the same.
                choices=(Choice("yes", _("Yes, ask to delete it")),
                         Choice("no", _("No, keep it"))))
        keyworker = await ctx.keyworker_first_name()
        lines = [
            _("Heard keeps your check-ins, your answers, and replies to you. "
              "It also writes down every time staff look at them."),
            (_("{who}, your keyworker, can see them.").format(who=keyworker) if keyworker
             else _("Your keyworker can see them.")),
            _("If you tell us you are not safe, staff on call and your service's leads read "
              "what you said then, so they can help. Otherwise your service only sees "
              "totals."),
        ]
        if waiting is not None:
            day = format_date(waiting.due_at.date(), "d MMMM",
                              locale=dates_locale(current_locale()))
            lines.append(_("You asked for your data to be deleted. Your service will decide "
                           "by {day}.").format(day=day))
        if ctx.channel == "web":
            lines.append(_("To see all of it, open \u201cMy data\u201d at the bottom of the "
                           "page."))
        choices = []
        if ctx.channel == "telegram":
            choices.append(Choice("pdf", _("Send me my data (PDF)")))
        choices.append(Choice("stop", _("Stop my delete request")) if waiting is not None
                       else Choice("delete", _("Delete my data")))
        choices.append(Choice("done", _("Done")))
        return Screen(name="mydata.menu", text="\n\n".join(lines), choices=tuple(choices))

    async def on_tap(self, ctx: FlowContext, state: State, choice: str) -> Step:
        now = ctx.clock.now()
        if choice == "done":
            return Step(None)
        if state.step == "confirm" and choice in ("yes", "no"):
            if choice == "yes":
                await ask_to_erase(ctx.session, ctx.vault, ctx.person, channel=ctx.channel,
                                   now=now, decision_days=ctx.services.erase_decision_days)
                return Step(None, lead=_("We have asked your service.") + " "
                            + decision_promise(ctx.person))
            return Step(_menu(), notice=_("OK. Your data stays."))
        if choice == "pdf":
            sent = await send_my_data_pdf(ctx.session, ctx.vault, ctx.person, now,
                                          ctx.services.erase_decision_days)
            return Step(_menu(), notice=_("The PDF is on its way.") if sent else
                        _("Something went wrong, try again."))
        if choice == "delete":
            return Step(State(self.name, "confirm"))
        if choice == "stop":
            waiting = await open_request(ctx.session, ctx.person)
            if waiting is not None:
                await withdraw(ctx.session, ctx.person, waiting.id, now)
            return Step(_menu(), notice=_("OK. Your request is stopped. Your data stays."))
        return Step(_menu())
