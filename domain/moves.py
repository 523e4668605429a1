"""What happens around a planned move: the young person told gently, their questions
to the placement's staff and the answers, "I'd like to visit", and the handover on
the move date."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from babel.dates import format_date

from core.i18n import _, current_locale, dates_locale, use_locale
from domain.context import first_name
from domain.placements import (
    MOVED,
    PLANNED,
    PlacementError,
    current_move,
    move_note,
    placement_for,
)
from domain.admin import AdminError
from domain.booklets import SectionView, booklet_photos, young_person_pages
from domain.handover import assign_keyworker
from outbox.message import Message
from outbox.queue import NORMAL, enqueue
from outbox.routes import Email, desk_url, tell_staff
from storage.db import Database
from storage.models import (
    Placement,
    PlacementMove,
    PlacementQuestion,
    PlacementStaff,
    Service,
    Staff,
    YoungPerson,
)
from storage.repositories import audit
from storage.vault import KeyErased, Vault

QUESTIONS = "placement_questions"
QUESTION_LIMIT = 500
ANSWER_LIMIT = 1000


async def tell_planned(session: AsyncSession, vault: Vault, move: PlacementMove,
                       now: datetime) -> bool:
    """Tell the young person, kindly, in their channel (Telegram now; the web shows it
    on their next visit). Returns whether a message was queued."""
    person = await session.get(YoungPerson, move.young_person_id)
    placement = await session.get(Placement, move.placement_id)
    if person is None or placement is None or person.telegram_chat_id is None:
        return False
    with use_locale(person.locale):
        text = await planned_news(session, vault, placement, move)
        message = Message(text=text, locale=person.locale)
    await enqueue(session, vault, chat_id=person.telegram_chat_id, message=message,
                  kind="move_planned", now=now, key_owner=person.id, priority=NORMAL,
                  dedupe_key=f"move-planned:{move.id}")
    return True


async def planned_news(session: AsyncSession, vault: Vault, placement: Placement,
                       move: PlacementMove) -> str:
    """What the young person is told of their planned move, in the current language:
    the place, the day, and their keyworker's note."""
    note = await move_note(session, vault, move)
    keyworker = await session.get(Staff, move.from_keyworker_id) if move.from_keyworker_id else None
    return planned_text(placement, move, note, keyworker)


def planned_text(placement: Placement, move: PlacementMove, note: str | None,
                 keyworker: Staff | None) -> str:
    lines = [_("There is some news about where you will live next."),
             _("You are going to move to {place} on {day}.").format(
                 place=placement.name, day=format_date(move.move_date, "EEEE d MMMM",
                                                       locale=dates_locale(current_locale())))]
    if note:
        name = first_name(keyworker.name) if keyworker else _("Your keyworker")
        lines.append(_("{name} says: \u201c{note}\u201d").format(name=name, note=note))
    lines.append(_("You can look at photos of your new bedroom and the house, and ask "
                   "questions. Send /next any time."))
    return "\n\n".join(lines)


async def ask_question(session: AsyncSession, vault: Vault, person: YoungPerson, text: str,
                       now: datetime) -> PlacementQuestion:
    """A young person's question to the staff of the place they are moving to."""
    planned = await current_move(session, person.id)
    if planned is None:
        raise PlacementError(_("There is no move planned for you right now."))
    text = (text or "").strip()
    if not text:
        raise PlacementError(_("Please type your question."))
    if len(text) > QUESTION_LIMIT:
        raise PlacementError(_("That is a lot of words! Please keep it under {n} letters.")
                             .format(n=QUESTION_LIMIT))
    row = PlacementQuestion(move_id=planned.move.id, young_person_id=person.id,
                            placement_id=planned.placement.id, asked_at=now, question_ct=b"")
    session.add(row)
    await session.flush()
    row.question_ct = await vault.seal(session, person.id, QUESTIONS, row.id, text)
    audit(session, at=now, actor_kind="young_person", actor_id=person.id,
          action="placement_question.asked", young_person_id=person.id, detail=row.id)
    staff_rows = (await session.scalars(
        select(Staff).join(PlacementStaff, PlacementStaff.staff_id == Staff.id)
        .where(PlacementStaff.placement_id == planned.placement.id, Staff.active.is_(True))
    )).all()
    for staff in staff_rows:
        with use_locale(staff.locale):
            note = _("A young person moving to {place} has asked a question. Answer it on the "
                     "staff desk: {url}").format(place=planned.placement.name,
                                                 url=desk_url("/staff/placements"))
            email = Email(subject=_("A question about {place}").format(
                place=planned.placement.name), text=note)
        await tell_staff(session, vault, staff, telegram=Message(text=note), email=email,
                         kind="placement_question", now=now,
                         dedupe_key=f"placement-question:{row.id}:{staff.id}")
    return row


@dataclass(frozen=True)
class QuestionView:
    id: str
    asked_at: datetime
    question: str
    answer: str | None
    answered_at: datetime | None


async def _view(session: AsyncSession, vault: Vault, row: PlacementQuestion) -> QuestionView | None:
    try:
        question = await vault.open(session, row.young_person_id, QUESTIONS, row.id,
                                    row.question_ct)
        answer = (await vault.open(session, row.young_person_id, QUESTIONS + ".answer", row.id,
                                   row.answer_ct) if row.answer_ct else None)
    except KeyErased:
        return None
    return QuestionView(row.id, row.asked_at, question, answer, row.answered_at)


async def questions_for_staff(session: AsyncSession, vault: Vault, staff: Staff,
                              placement: Placement, now: datetime) -> list[QuestionView]:
    """Questions to this placement from young people moving there, newest first.
    Reading them is audited (they are a young person's words)."""
    rows = (await session.scalars(
        select(PlacementQuestion).join(PlacementMove, PlacementMove.id == PlacementQuestion.move_id)
        .where(PlacementQuestion.placement_id == placement.id, PlacementMove.state == PLANNED)
        .order_by(PlacementQuestion.asked_at.desc()).limit(50)
    )).all()
    views = []
    for row in rows:
        view = await _view(session, vault, row)
        if view is not None:
            views.append(view)
            audit(session, at=now, actor_kind="staff", actor_id=staff.id,
                  action="placement_question.viewed", young_person_id=row.young_person_id,
                  detail=row.id)
    return views


async def questions_of(session: AsyncSession, vault: Vault, person: YoungPerson) -> list[QuestionView]:
    """A young person's own questions about their planned move, oldest first."""
    planned = await current_move(session, person.id)
    if planned is None:
        return []
    rows = (await session.scalars(
        select(PlacementQuestion).where(PlacementQuestion.move_id == planned.move.id)
        .order_by(PlacementQuestion.asked_at)
    )).all()
    return [v for v in [await _view(session, vault, r) for r in rows] if v is not None]


async def answer_question(session: AsyncSession, vault: Vault, staff: Staff, question_id: str,
                          text: str, now: datetime) -> PlacementQuestion:
    """Placement staff answer; the answer goes back to the young person's channel."""
    row = await session.get(PlacementQuestion, question_id) if len(question_id or "") <= 32 else None
    if row is None or await placement_for(session, staff, row.placement_id) is None:
        raise PlacementError(_("That question is not there any more."))
    text = (text or "").strip()
    if not text:
        raise PlacementError(_("Please write an answer."))
    if len(text) > ANSWER_LIMIT:
        raise PlacementError(_("That answer is too long (at most {n} characters).")
                             .format(n=ANSWER_LIMIT))
    row.answer_ct = await vault.seal(session, row.young_person_id, QUESTIONS + ".answer",
                                     row.id, text)
    row.answered_at, row.answered_by = now, staff.id
    audit(session, at=now, actor_kind="staff", actor_id=staff.id,
          action="placement_question.answered", young_person_id=row.young_person_id,
          detail=row.id)
    person = await session.get(YoungPerson, row.young_person_id)
    placement = await session.get(Placement, row.placement_id)
    if person is not None and placement is not None and person.telegram_chat_id is not None:
        question = await vault.open(session, person.id, QUESTIONS, row.id, row.question_ct)
        with use_locale(person.locale):
            message = Message(text=answer_text(placement, staff, question, text),
                              locale=person.locale)
        await enqueue(session, vault, chat_id=person.telegram_chat_id, message=message,
                      kind="placement_answer", now=now, key_owner=person.id,
                      dedupe_key=f"placement-answer:{row.id}:{now.isoformat()}")
    return row


def answer_text(placement: Placement, staff: Staff, question: str, answer: str) -> str:
    return "\n\n".join([
        _("You asked {place}: \u201c{question}\u201d").format(place=placement.name,
                                                             question=question),
        _("{name} from {place} says: \u201c{answer}\u201d").format(
            name=first_name(staff.name), place=placement.name, answer=answer),
    ])


async def want_to_visit(session: AsyncSession, vault: Vault, person: YoungPerson,
                        now: datetime) -> bool:
    """"I'd like to visit": tells their keyworker on every route they have."""
    planned = await current_move(session, person.id)
    keyworker = await session.get(Staff, person.keyworker_id) if person.keyworker_id else None
    if planned is None or keyworker is None or not keyworker.active:
        return False
    nickname = await vault.open(session, person.id, "young_people", person.id, person.nickname_ct)
    with use_locale(keyworker.locale):
        text = _("{nickname} would like to visit {place} before moving.").format(
            nickname=nickname, place=planned.placement.name)
        email = Email(subject=_("A visit request"),
                      text=_("A young person you key-work would like to visit their next "
                             "placement before moving. See the staff desk."))
    await tell_staff(session, vault, keyworker, telegram=Message(text=text), email=email,
                     kind="placement_visit", now=now, key_owner=person.id,
                     dedupe_key=f"placement-visit:{planned.move.id}:{now.date()}")
    audit(session, at=now, actor_kind="young_person", actor_id=person.id,
          action="placement_visit.asked", young_person_id=person.id, detail=planned.move.id)
    return True


async def moves_due(session: AsyncSession, vault: Vault, now: datetime, limit: int = 50) -> int:
    """On the move date (in the service's timezone), the planned move happens: the
    handover to the new keyworker when one was chosen, and the move is marked made."""
    rows = (await session.execute(
        select(PlacementMove, Service.timezone)
        .join(YoungPerson, YoungPerson.id == PlacementMove.young_person_id)
        .join(Service, Service.id == YoungPerson.service_id)
        .where(PlacementMove.state == PLANNED, PlacementMove.move_date <= now.date())
        .limit(limit)
    )).all()
    done = 0
    for move, tz in rows:
        if move.move_date > now.astimezone(ZoneInfo(tz)).date():
            continue
        person = await session.get(YoungPerson, move.young_person_id)
        new = await session.get(Staff, move.to_keyworker_id) if move.to_keyworker_id else None
        if (person is not None and new is not None and new.active
                and person.keyworker_id != new.id):
            try:
                note = await move_note(session, vault, move) or ""
                await assign_keyworker(
                    session, vault, young_person_id=person.id, keyworker_email=new.email,
                    note=_("Moved to the new placement as planned.") + (
                        f"\n\n{note}" if note else ""), now=now)
            except AdminError:
                pass  # the move still happens; the lead sees who needs a keyworker
        move.state, move.moved_at = MOVED, now
        audit(session, at=now, actor_kind="system", actor_id=None, action="placement_move.moved",
              young_person_id=move.young_person_id, detail=move.id)
        done += 1
    return done


# Lays a booklet out as a PDF (the web's own templates: web/next_home_routes.py); None
# when PDFs cannot be made here. Handed in by the composition root (app/serve.py).
DrawBooklet = Callable[[str, list[SectionView], dict[str, bytes]], Awaitable[bytes | None]]


async def booklet_pdf_for(db: Database, young_person_id: str, locale: str,
                          draw: DrawBooklet) -> bytes | None:
    """The published booklet of a young person's planned move as a PDF (drawn when the
    outbox sends it, so the outbox holds a reference, not a copy), or None."""
    async with db.transaction(read_only=True) as session:
        planned = await current_move(session, young_person_id)
        if planned is None:
            return None
        pages = await young_person_pages(session, planned.placement.id)
        jpegs = await booklet_photos(session, pages)
        name = planned.placement.name
    with use_locale(locale):
        return await draw(name, pages, jpegs)


async def send_booklet_pdf(session: AsyncSession, vault: Vault, person: YoungPerson,
                           now: datetime) -> bool:
    """Queue the booklet's PDF to the young person's Telegram chat."""
    planned = await current_move(session, person.id)
    if planned is None or person.telegram_chat_id is None:
        return False
    with use_locale(person.locale):
        text = _("The booklet about {place}, to keep.").format(place=planned.placement.name)
    await enqueue(session, vault, chat_id=person.telegram_chat_id,
                  message=Message(text=text, locale=person.locale, picture={
                      "kind": "booklet_pdf", "young_person_id": person.id,
                      "locale": person.locale, "document": "next-home.pdf"}),
                  kind="booklet_pdf", now=now, key_owner=person.id,
                  dedupe_key=f"booklet-pdf:{planned.move.id}:{now.isoformat()}")
    return True
