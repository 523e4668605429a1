"""Who is at the browser: the signed-in young person, and signing them in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from domain.browser_sessions import person_of, record_sign_in
from domain.context import FlowContext
from flows.conversation import Conversation
from domain.handover import hello_notice
from domain.desk import replies_to_show
from domain.you_said import changes_to_show
from domain.my_data import decision_notice
from flows.inputs import Command, Input
from domain.staff import acknowledgement_notice
from flows.screen import Reply
from web import sessions
from web.keys import DB, RUNTIME, SESSION
from web.view import View, save_view

if TYPE_CHECKING:
    from storage.models import Tablet, YoungPerson


def keyworker_photo_path(assignment_id: str) -> str:
    """Where the signed-in young person sees their new keyworker's photo
    (served by ``web.handover_routes``)."""
    return f"/me/keyworker-photo/{assignment_id}.jpg"


# Screens with no question open, where news for the young person may be shown.
AT_REST = frozenset({"home", "welcome"})


async def current_person(request: web.Request) -> YoungPerson | None:
    return await person_of(request[DB], request.get(SESSION))


async def converse(request: web.Request, person: YoungPerson, event: Input) -> Reply:
    """Hand one input to the same conversation engine the Telegram channel uses."""
    ctx = FlowContext(session=request[DB], services=request.app[RUNTIME].services,
                      person=person, channel="web")
    return await Conversation(ctx).handle(event)


async def sign_in(request: web.Request, person: YoungPerson, tablet: Tablet | None = None) -> None:
    runtime = request.app[RUNTIME]
    now = runtime.clock.now()
    row = await sessions.start(
        request, young_person_id=person.id, tablet_id=tablet.id if tablet else None,
        idle_seconds=sessions.TABLET_IDLE if tablet else sessions.PHONE_IDLE,
    )
    # "start" carries on a half-finished check-in, or shows the welcome / home.
    reply = await converse(request, person, Command("start"))
    # "Alex has seen your check-in", replies written on the staff desk and a new
    # keyworker's hello belong on the home screen, never above a question still open
    # (an unfinished "I need help now"); they wait for a sign-in that lands at home,
    # and each is shown once. On Telegram the outbox carries them.
    landing = reply.screens[-1].name if reply.screens else ""
    seen, hello, replies, decided = None, None, [], None
    if landing in AT_REST:
        seen = await acknowledgement_notice(request[DB], person)
        replies = await replies_to_show(request[DB], runtime.vault, person, now)
        replies += await changes_to_show(request[DB], runtime.vault, person, now)
        hello = await hello_notice(request[DB], runtime.vault, person, now)
        decided = await decision_notice(request[DB], runtime.vault, person, now)
    said = " ".join(part for part in (seen, *replies) if part)
    notice = "\n\n".join(n for n in (hello.text if hello else None, said, decided)
                         if n) or reply.notice
    picture = keyworker_photo_path(hello.photo_id) if hello and hello.photo_id else None
    await save_view(request[DB], runtime.vault, row, View(reply.screens, notice, picture=picture))
    record_sign_in(request[DB], person.id, tablet.id if tablet else None, now)

