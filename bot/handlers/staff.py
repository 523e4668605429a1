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
from domain.identity import Identity
from bot.unit_of_work import Outgoing
from domain.context import Services
from domain.strips import keyworked, strip_for
from bot.handlers.conversation import any_message


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
    rows = [[
        InlineKeyboardButton(text=name, callback_data=MoodStrip(person=person_id).pack()),
        InlineKeyboardButton(text=_("12 weeks"), callback_data=Overview(person=person_id).pack()),
    ] for person_id, name in await keyworked(session, services.vault, staff)]
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
    overview = isinstance(callback_data, Overview)
    kind = "overview" if overview else "strip"
    staff = who.staff
    png = await strip_for(session, services.vault, staff, callback_data.person,
                          overview=overview, now=services.clock.now()) if staff else None
    callback_id = query.id
    if png is None:
        text = _("That button doesn't work any more.")
        outgoing.append(lambda bot: bot.answer_callback_query(callback_id, text=text))
        return
    chat_id = query.from_user.id if query.message is None else query.message.chat.id
    photo = BufferedInputFile(png, filename=f"{kind}.png")
    outgoing.append(lambda bot: bot.answer_callback_query(callback_id))
    outgoing.append(lambda bot: bot.send_photo(chat_id, photo))


def make_router() -> Router:
    router = Router(name="staff")
    router.message.register(strip_command, Command("strip"), private_chat)
    router.callback_query.register(strip_tap, MoodStrip.filter())
    router.callback_query.register(strip_tap, Overview.filter())
    return router
