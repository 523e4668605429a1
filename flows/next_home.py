"""/next: the welcome booklet of the place a young person is moving to, one short
page at a time (their bedroom first), with Next and Back, the photos and their alt
text; and "Ask a question" / "I'd like to visit".

Only the published version, and only while a move there is planned for them.
"""

from __future__ import annotations

from core.i18n import _
from flows.base import Flow, Step
from domain.booklets import SectionView, young_person_pages
from domain.buddies import other_name
from domain.context import FlowContext
from domain.moves import QUESTION_LIMIT, ask_question, send_booklet_pdf, want_to_visit
from domain.placements import PlacementError, current_move
from flows.screen import Choice, Screen, ScreenPhoto, TextInput
from flows.state import State
from storage.models import PlacementPhoto


def _page(i: int) -> State:
    # Each page is its own step, so Next and Back show a new message, not a redrawn one.
    return State("next", f"page{i}", {"i": i})


class NextHomeFlow(Flow):
    name = "next"

    def begin(self, ctx: FlowContext) -> State:
        return _page(0)

    async def _pages(self, ctx: FlowContext) -> tuple[str, list[SectionView]] | None:
        planned = await current_move(ctx.session, ctx.person.id)
        if planned is None:
            return None
        return planned.placement.name, await young_person_pages(ctx.session,
                                                                planned.placement.id)

    async def _buddy(self, ctx: FlowContext) -> tuple[Choice, ...]:
        """"Your buddy: <name>" (the buddy page) while their buddy relay is open."""
        name = await other_name(ctx.session, ctx.vault, ctx.person, ctx.clock.now())
        return (Choice("go:buddy", _("Your buddy: {name}").format(name=name)),) if name else ()

    async def render(self, ctx: FlowContext, state: State) -> Screen:
        found = await self._pages(ctx)
        if found is None:
            return Screen(name="next.none",
                          text=_("There is no move planned for you right now. If you have "
                                 "questions about moving, your keyworker can help."),
                          choices=(Choice("done", _("OK"), primary=True),))
        place, pages = found
        if state.step == "ask":
            return Screen(name="next.ask",
                          text=_("What would you like to ask the people at {place}? Type it "
                                 "here.").format(place=place),
                          text_input=TextInput(QUESTION_LIMIT, _("Your question"), "back"),
                          choices=(Choice("back", _("Back")),))
        if not pages:
            return Screen(name="next.empty",
                          text=_("The people at {place} are still making their welcome "
                                 "booklet. You can ask them a question now.").format(place=place),
                          choices=(Choice("ask", _("Ask a question")),
                                   Choice("visit", _("I'd like to visit")),
                                   *await self._buddy(ctx),
                                   Choice("done", _("Done"), primary=True)))
        i = min(max(int(state.data.get("i", 0)), 0), len(pages) - 1)
        page = pages[i]
        photos = []
        for p in page.photos:
            row = await ctx.session.get(PlacementPhoto, p.photo_id)
            if row is not None:
                photos.append(ScreenPhoto(row.jpeg, p.caption or p.alt, p.alt))
        head = _("{place} ({n} of {total})").format(place=place, n=i + 1, total=len(pages))
        text = f"{head}\n\n{page.title}" + (f"\n\n{page.body}" if page.body else "")
        choices = []
        if i > 0:
            choices.append(Choice("back", _("Back")))
        if i < len(pages) - 1:
            choices.append(Choice("next", _("Next"), primary=True))
        choices += [Choice("ask", _("Ask a question")), Choice("visit", _("I'd like to visit"))]
        choices += await self._buddy(ctx)
        if ctx.channel == "telegram":
            choices.append(Choice("pdf", _("Send it as a PDF")))
        choices += [
                    Choice("done", _("Done"), primary=i == len(pages) - 1)]
        return Screen(name="next.page", text=text, choices=tuple(choices), columns=2,
                      photos=tuple(photos))

    async def on_tap(self, ctx: FlowContext, state: State, choice: str) -> Step:
        i = int(state.data.get("i", 0))
        if choice == "done":
            return Step(None)
        if state.step == "ask":
            return Step(_page(i))
        if choice == "next":
            return Step(_page(i + 1))
        if choice == "back":
            return Step(_page(max(0, i - 1)))
        if choice == "ask":
            return Step(State(self.name, "ask", {"i": i}))
        if choice == "pdf":
            sent = await send_booklet_pdf(ctx.session, ctx.vault, ctx.person, ctx.clock.now())
            return Step(_page(i), notice=_("The PDF is on its way.") if sent else
                        _("Something went wrong, try again."))
        if choice == "visit":
            told = await want_to_visit(ctx.session, ctx.vault, ctx.person, ctx.clock.now())
            notice = (_("Thank you. We told your keyworker you'd like to visit.") if told else
                      _("Sorry, we couldn't tell your keyworker just now. Please ask them "
                        "when you see them."))
            return Step(_page(i), notice=notice)
        return Step(_page(i))

    async def on_words(self, ctx: FlowContext, state: State, text: str) -> Step | None:
        if state.step != "ask":
            return None
        i = int(state.data.get("i", 0))
        try:
            await ask_question(ctx.session, ctx.vault, ctx.person, text, ctx.clock.now())
        except PlacementError as exc:
            return Step(State(self.name, "ask", {"i": i}), notice=str(exc))
        return Step(_page(i),
                    notice=_("Thank you. Your question has been sent. The answer will come "
                             "here."))
