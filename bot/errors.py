"""The dispatcher's error handler: whatever failed, the person hears from us.

An update's unit of work (``bot/unit_of_work.py``) has already rolled back and logged
the fault; here the person is told kindly to try again in a minute, in their Telegram
language (their saved one may be out of reach), and a tapped button stops spinning.
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.types import ErrorEvent, Update

from core.i18n import use_locale
from flows.sorry import sorry_text

log = logging.getLogger(__name__)


async def say_sorry(event: ErrorEvent, bot: Bot) -> bool:
    await _say_sorry(bot, event.update)
    return True  # handled: nothing more to raise to the polling loop or the webhook


async def _say_sorry(bot: Bot, event: Update) -> None:
    """"Try again in a minute", in the person's Telegram language (their saved one
    may be out of reach), and stop a tapped button's spinner."""
    message = event.message or (event.callback_query.message if event.callback_query else None)
    user = (event.message.from_user if event.message else
            event.callback_query.from_user if event.callback_query else None)
    chat_id = message.chat.id if message is not None else user.id if user is not None else None
    if chat_id is None:
        return
    with use_locale(user.language_code if user else None):
        text = sorry_text()
    try:
        if event.callback_query is not None:
            await bot.answer_callback_query(event.callback_query.id)
    except Exception:  # noqa: BLE001 - only the spinner
        log.warning("answering a tap for update %s failed", event.update_id)
    try:
        await bot.send_message(chat_id, text)
    except Exception:  # noqa: BLE001 - Telegram is failing too; nothing more we can do
        log.warning("telling chat of update %s to try again failed", event.update_id)
