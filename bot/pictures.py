"""Pictures sent on Telegram, uploaded once and then re-sent by file_id (Telegram keeps
the file; we save the upload and the bandwidth). File ids belong to one bot, so the
cache is keyed by the bot too, and a file id Telegram no longer knows is re-uploaded."""

from __future__ import annotations

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, Message

from core.i18n import current_locale
from cards.sheet import render_sheet

_file_ids: dict[tuple[int, str, tuple[str, ...]], str] = {}


async def send_card_sheet(
    bot: Bot,
    chat_id: int,
    card_ids: tuple[str, ...],
    caption: str,
    keyboard: InlineKeyboardMarkup | None,
    request_timeout: int | None = None,
) -> Message:
    key = (bot.id, current_locale(), card_ids)
    file_id = _file_ids.get(key)
    if file_id is not None:
        try:
            return await bot.send_photo(chat_id, file_id, caption=caption, reply_markup=keyboard,
                                        request_timeout=request_timeout)
        except TelegramBadRequest:
            _file_ids.pop(key, None)
    upload = BufferedInputFile(render_sheet(card_ids), filename="cards.png")
    sent = await bot.send_photo(chat_id, upload, caption=caption, reply_markup=keyboard,
                                request_timeout=request_timeout)
    if sent.photo:
        _file_ids[key] = sent.photo[-1].file_id
    return sent
