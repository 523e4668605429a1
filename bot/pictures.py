"""Pictures sent on Telegram, uploaded once per process and then re-sent by file_id
(Telegram keeps the file; we save the upload and the bandwidth)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, Message

from app.i18n import current_locale
from cards.sheet import sheet_png

_file_ids: dict[tuple[str, tuple[str, ...]], str] = {}


async def send_card_sheet(
    bot: Bot,
    chat_id: int,
    card_ids: tuple[str, ...],
    caption: str,
    keyboard: InlineKeyboardMarkup | None,
) -> Message:
    key = (current_locale(), card_ids)
    file_id = _file_ids.get(key)
    photo = file_id or BufferedInputFile(sheet_png(card_ids), filename="cards.png")
    sent = await bot.send_photo(chat_id, photo, caption=caption, reply_markup=keyboard)
    if file_id is None and sent.photo:
        _file_ids[key] = sent.photo[-1].file_id
    return sent
