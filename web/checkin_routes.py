"""The check-in page: shows the current screen of the conversation and takes one
tap or a few words per form post. Every post redirects back (POST-redirect-GET)."""

from __future__ import annotations

from aiohttp import web

from core.i18n import _, set_locale
from flows.inputs import Command, Input, Tap, Words
from domain.placements import current_move
from domain.you_said import notes_for
from flows.screen import Reply
from web import sessions
from web.keys import DB, RUNTIME, SESSION
from web.people import converse, current_person
from web.screen_page import card_anchor, screen_title
from web.sessions import DEVICE_COOKIE
from web.templating import render, see_other
from web.unit_of_work import read_only
from web.view import View, ends_a_flow, load_view, save_view

# Seconds of quiet before a shared tablet goes back to its start screen, and how
# long a "thank you" stays up there after a check-in.
TABLET_IDLE = 60
TABLET_THANKS = 15
# Who to contact right now stays up long enough to read, call or text — never the
# 15-second thank-you. (After that the tablet still returns to the start, so the next
# young person does not find it; staff have been told already.)
TABLET_CRISIS = 600


def _signed_out(request: web.Request) -> web.Response:
    return see_other("/t" if request.cookies.get(DEVICE_COOKIE) else "/")


@read_only
async def show(request: web.Request) -> web.Response:
    """The current screen. Read-only: it is what every form post redirects to."""
    person = await current_person(request)
    if person is None:
        return _signed_out(request)
    set_locale(person.locale)
    row = request[SESSION]
    assert row is not None
    view = await load_view(request[DB], request.app[RUNTIME].vault, row) or View()
    on_tablet = row.tablet_id is not None
    attrs: dict[str, str] = {}
    if on_tablet:
        attrs["data-idle-url"] = "/t/leave"
        attrs["data-idle-seconds"] = str(TABLET_IDLE)
        if any(screen.urgent for screen in view.screens):
            attrs["data-idle-seconds"] = str(TABLET_CRISIS)
        elif view.finished:
            attrs["data-idle-seconds"] = str(TABLET_THANKS)
    # "My next home" for a young person with a planned move (not on a shared tablet).
    next_home = not on_tablet and await current_move(request[DB], person.id) is not None
    # The unit's "You said, we did" notes, under the home screen only.
    at_home = view.screen is not None and view.screen.name == "home"
    you_said = await notes_for(request[DB], person, request.app[RUNTIME].clock.now()) \
        if at_home else []
    return render(request, "screen.html", view=view, on_tablet=on_tablet, body_attrs=attrs,
                  next_home=next_home, you_said=you_said,
                  idle_seconds=int(attrs.get("data-idle-seconds", 0)), title=screen_title(view))


@read_only
async def screen_photo(request: web.Request) -> web.Response:
    """A picture drawn for the page on screen (a goal's line), from the signed-in young
    person's own page state: nobody else's, never cached."""
    person = await current_person(request)
    if person is None:
        raise web.HTTPNotFound()
    row = request[SESSION]
    assert row is not None
    view = await load_view(request[DB], request.app[RUNTIME].vault, row) or View()
    try:
        photo = view.screens[int(request.match_info["screen"])].photos[
            int(request.match_info["n"])]
    except (ValueError, IndexError):
        raise web.HTTPNotFound() from None
    kind = "image/jpeg" if photo.jpeg.startswith(b"\xff\xd8") else "image/png"
    return web.Response(body=photo.jpeg, content_type=kind,
                        headers={"Cache-Control": "no-store"})


async def answer(request: web.Request) -> web.Response:
    person = await current_person(request)
    if person is None:
        return _signed_out(request)
    runtime = request.app[RUNTIME]
    row = request[SESSION]
    assert row is not None
    before = await load_view(request[DB], runtime.vault, row) or View()
    form = await request.post()
    event = _input(form, before)
    if event is None:
        set_locale(person.locale)
        before.notice = _("That page is from before. Here is where you are now.")
        await save_view(request[DB], runtime.vault, row, before)
        return see_other("/me")
    reply = await converse(request, person, event)
    if reply.screens:
        after = View(reply.screens, reply.notice, ends_a_flow(before.screen, reply.screens[-1]))
    else:  # only a notice ("that is a lot of words"): keep the page as it was
        after = View(before.screens, reply.notice, before.finished)
    await save_view(request[DB], runtime.vault, row, after)
    return see_other(_back_to(event, before, reply))


def _back_to(event: Input, before: View, reply: Reply) -> str:
    """Where the page opens after a tap. A card toggled in place brings the young
    person back to that card (browsers scroll to it, and Tab carries on from it),
    not to the top of the page where they would lose their place."""
    if isinstance(event, Tap) and reply.in_place and before.screen is not None:
        tapped = before.screen.choice(event.choice)
        if tapped is not None and tapped.card_id:
            return "/me#" + card_anchor(tapped.id)
    return "/me"


def _input(form, before: View) -> Input | None:
    if form.get("command") == "language":
        # The language button under every page: a check-in waits while they choose.
        return Command("language")
    if form.get("command") == "buddy":
        # "Send a message to <buddy>" on My next home opens the buddy conversation.
        return Command("buddy")
    token = str(form.get("token", ""))
    choice = form.get("choice")
    if isinstance(choice, str) and choice:
        return Tap(token, choice)  # the engine refuses a stale token kindly
    words = form.get("words")
    if isinstance(words, str):
        # Words carry no token in the engine, so check here that they answer the
        # question on screen and not one from an old page.
        screen = before.screen
        if screen is None or screen.token != token or screen.text_input is None:
            return None
        return Words(words)
    return None


async def leave(request: web.Request) -> web.Response:
    """"I've finished": sign out. On a tablet, back to the faces."""
    row = request.get(SESSION)
    on_tablet = row is not None and row.tablet_id is not None
    await sessions.end(request)
    return see_other("/t" if on_tablet or request.cookies.get(DEVICE_COOKIE) else "/bye")


async def bye(request: web.Request) -> web.Response:
    return render(request, "message.html", title=_("See you next time"),
                  text=_("You have left Heard. To come back, open your own link."))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/me", show)
    app.router.add_post("/me", answer)
    app.router.add_get(r"/me/screen-photo/{screen:\d+}/{n:\d+}", screen_photo)
    app.router.add_post("/leave", leave)
    app.router.add_get("/bye", bye)


__all__ = ["add_routes"]
