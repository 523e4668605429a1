"""Showing a flow's reply in a Telegram chat."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile

from core.i18n import current_locale
from core.owners import SYSTEM_OWNER
from bot.keyboards import screen_keyboard, screen_message, screen_text
from bot.pictures import send_card_sheet
from bot.replies import Later, Step, text_step
from bot.unit_of_work import Outgoing
from flows.screen import Reply, Screen


def queue_reply(
    outgoing: Outgoing,
    reply: Reply,
    chat_id: int,
    *,
    callback_id: str | None = None,
    tapped_message_id: int | None = None,
    owner: str = SYSTEM_OWNER,
) -> None:
    """Queue the Bot API calls that show ``reply``; they run after the commit.

    Each screen carries its outbox stand-in (sealed with ``owner``'s key), used
    when Telegram cannot take it now (bot/replies.py). The answer to a tap (which
    stops the button's spinner) goes out alongside the next screen rather than
    before it: the person sees the result one round trip sooner.
    """
    locale = current_locale()
    steps: list[Step] = []
    if callback_id is None and reply.notice:
        steps.append(text_step(chat_id, reply.notice, owner))
    screens = list(reply.screens)
    if reply.in_place and tapped_message_id is not None and screens:
        screen = screens.pop()
        steps.append(Step(_redraw_keyboard(chat_id, tapped_message_id, screen),
                          _later(chat_id, screen, locale, owner)))
    elif reply.in_place and callback_id is not None and screens:
        screens.pop()  # nothing changed on screen: the answer to the tap is enough
    steps.extend(Step(_send(chat_id, screen), _later(chat_id, screen, locale, owner))
                 for screen in screens)
    if callback_id is not None:
        notice = reply.notice

        def answer(bot: Bot) -> Awaitable[Any]:
            return bot.answer_callback_query(callback_id, text=notice)

        if steps:
            steps[0].alongside = answer
        else:
            steps.append(Step(answer))
    outgoing.extend(steps)


def _later(chat_id: int, screen: Screen, locale: str, owner: str) -> Callable[[], Later]:
    return lambda: Later(chat_id, screen_message(screen, locale), owner, urgent=screen.urgent)


def _send(chat_id: int, screen: Screen):
    async def send(bot: Bot) -> None:
        keyboard = screen_keyboard(screen)
        for n, photo in enumerate(screen.photos):
            await bot.send_photo(chat_id, BufferedInputFile(photo.jpeg, f"photo-{n + 1}.jpg"),
                                 caption=photo.caption[:1000] or None)
        if screen.sheet:
            await send_card_sheet(bot, chat_id, screen.sheet, screen_text(screen), keyboard)
        else:
            await bot.send_message(chat_id, screen_text(screen), reply_markup=keyboard)

    return send


def _redraw_keyboard(chat_id: int, message_id: int, screen: Screen):
    async def redraw(bot: Bot) -> None:
        try:
            await bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=message_id, reply_markup=screen_keyboard(screen)
            )
        except TelegramBadRequest as exc:
            # "message is not modified" (a double tap) is harmless.
            if "not modified" not in str(exc):
                raise

    return redraw
