"""Who is at the browser: the signed-in young person, and signing them in."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from core.i18n import _
from core.names import first_name
from domain.context import FlowContext
from flows.conversation import Conversation
from domain.handover import hello_notice
from domain.desk import replies_to_show
from domain.you_said import changes_to_show
from domain.my_data import decision_notice
from flows.inputs import Command, Input
from flows.screen import Reply
from storage.models import CheckIn, Staff, Tablet, WebLogin, YoungPerson
from storage.repositories import audit
from web import sessions
from web.keys import DB, RUNTIME, SESSION
from web.view import View, save_view


def keyworker_photo_path(assignment_id: str) -> str:
    """Where the signed-in young person sees their new keyworker's photo
    (served by ``web.handover_routes``)."""
    return f"/me/keyworker-photo/{assignment_id}.jpg"


# Screens with no question open, where news for the young person may be shown.
AT_REST = frozenset({"home", "welcome"})


async def current_person(request: web.Request) -> YoungPerson | None:
    row = request.get(SESSION)
    if row is None or row.young_person_id is None:
        return None
    return await request[DB].get(YoungPerson, row.young_person_id)


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
        seen = await acknowledgement_notice(request, person)
        replies = await replies_to_show(request[DB], runtime.vault, person, now)
        replies += await changes_to_show(request[DB], runtime.vault, person, now)
        hello = await hello_notice(request[DB], runtime.vault, person, now)
        decided = await decision_notice(request[DB], runtime.vault, person, now)
    said = " ".join(part for part in (seen, *replies) if part)
    notice = "\n\n".join(n for n in (hello.text if hello else None, said, decided)
                         if n) or reply.notice
    picture = keyworker_photo_path(hello.photo_id) if hello and hello.photo_id else None
    await save_view(request[DB], runtime.vault, row, View(reply.screens, notice, picture=picture))
    audit(request[DB], at=now, actor_kind="young_person", actor_id=person.id,
          action="web.signed_in", young_person_id=person.id,
          detail=f"tablet:{tablet.id}" if tablet else "phone")


async def acknowledgement_notice(request: web.Request, person: YoungPerson) -> str | None:
    """"Alex has seen your check-in", once, for acknowledgements made since their
    last visit (on Telegram the bot says it; on the web we say it here)."""
    db = request[DB]
    login = await db.get(WebLogin, person.id)
    stmt = (select(CheckIn).where(CheckIn.young_person_id == person.id,
                                  CheckIn.acknowledged_at.is_not(None))
            .order_by(CheckIn.acknowledged_at.desc()).limit(1))
    if login is not None and login.acks_seen_at is not None:
        stmt = stmt.where(CheckIn.acknowledged_at > login.acks_seen_at)
    latest = await db.scalar(stmt)
    if latest is None:
        return None
    if login is not None:
        login.acks_seen_at = latest.acknowledged_at
    staff = await db.get(Staff, latest.acknowledged_by) if latest.acknowledged_by else None
    if staff is None:
        return None
    return _("{name} has seen your check-in.").format(name=first_name(staff.name))
