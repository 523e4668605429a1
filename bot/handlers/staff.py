"""Keyworker commands: /strip shows the mood strip of a young person they key-work."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import _
from bot.callbacks import MoodStrip, Overview
from bot.filters import private_chat
from bot.handlers.identity import Identity
from bot.unit_of_work import Outgoing
from domain.context import Services
from domain.staff import keyworker_of
from domain.strips import overview_png, week_strip_png
from storage.models import Staff, YoungPerson
from storage.repositories import audit, young_people_of_keyworker
from storage.vault import KeyErased
from bot.handlers.conversation import any_message
from domain.strips import person_timezone


async def strip_command(
    message: Message, session: AsyncSession, services: Services, outgoing: Outgoing,
    who: Identity,
) -> None:
    staff = who.staff
    chat_id = message.chat.id
    if staff is None:
        # Not a keyworker: the conversation router answers (young person or stranger).
        await any_message(message, session, services, outgoing, who)
        return
    rows = []
    for person in await young_people_of_keyworker(session, staff.id):
        try:
            name = await services.vault.open(session, person.id, "young_people", person.id,
                                             person.nickname_ct)
        except KeyErased:
            continue
        rows.append([
            InlineKeyboardButton(text=name, callback_data=MoodStrip(person=person.id).pack()),
            InlineKeyboardButton(text=_("12 weeks"), callback_data=Overview(person=person.id).pack()),
        ])
    if not rows:
        text = _("You don't key-work anyone yet.")
        outgoing.append(lambda bot: bot.send_message(chat_id, text))
        return
    text = _("Whose mood strip would you like to see?")
    keyboard = InlineKeyboardMarkup(inline_keyboard=rows)
    outgoing.append(lambda bot: bot.send_message(chat_id, text, reply_markup=keyboard))


async def strip_tap(
    query: CallbackQuery, callback_data: MoodStrip | Overview, session: AsyncSession,
    services: Services, outgoing: Outgoing, who: Identity,
) -> None:
    kind = "overview" if isinstance(callback_data, Overview) else "strip"
    person_id = callback_data.person
    staff = who.staff
    person = await keyworker_of(session, staff, person_id) if staff is not None else None
    callback_id = query.id
    if staff is None or person is None:
        if staff is not None:
            known = await session.get(YoungPerson, person_id) if len(person_id) <= 32 else None
            audit(session, at=services.clock.now(), actor_kind="staff", actor_id=staff.id,
                  action="strip.refused", young_person_id=known.id if known else None)
        text = _("That button doesn't work any more.")
        outgoing.append(lambda bot: bot.answer_callback_query(callback_id, text=text))
        return
    png = await _draw(kind, session, services, staff, person)
    audit(session, at=services.clock.now(), actor_kind="staff", actor_id=staff.id,
          action=f"{kind}.viewed", young_person_id=person.id)
    chat_id = query.from_user.id if query.message is None else query.message.chat.id
    photo = BufferedInputFile(png, filename=f"{kind}.png")
    outgoing.append(lambda bot: bot.answer_callback_query(callback_id))
    outgoing.append(lambda bot: bot.send_photo(chat_id, photo))


async def _draw(kind: str, session: AsyncSession, services: Services, staff: Staff,
                person: YoungPerson) -> bytes:
    from datetime import timedelta


    tz = await person_timezone(session, person)
    today = services.clock.now().astimezone(tz).date()
    monday = today - timedelta(days=today.weekday())
    if kind == "overview":
        return await overview_png(session, services.vault, person, monday, staff.locale)
    png, _count = await week_strip_png(session, services.vault, person, monday, staff.locale)
    return png


def make_router() -> Router:
    router = Router(name="staff")
    router.message.register(strip_command, Command("strip"), private_chat)
    router.callback_query.register(strip_tap, MoodStrip.filter())
    router.callback_query.register(strip_tap, Overview.filter())
    return router
