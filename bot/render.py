"""Showing a flow's reply in a Telegram chat."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest

from bot.keyboards import screen_keyboard, screen_text
from bot.pictures import send_card_sheet
from bot.unit_of_work import Outgoing
from flows.screen import Reply, Screen


def queue_reply(
    outgoing: Outgoing,
    reply: Reply,
    chat_id: int,
    *,
    callback_id: str | None = None,
    tapped_message_id: int | None = None,
) -> None:
    """Queue the Bot API calls that show ``reply``; they run after the commit.

    The answer to a tap (which stops the button's spinner) goes out alongside the
    next screen rather than before it: the person sees the result one round trip
    sooner.
    """
    steps: list[Callable[[Bot], Awaitable[Any]]] = []
    if callback_id is None and reply.notice:
        notice_text = reply.notice
        steps.append(lambda bot: bot.send_message(chat_id, notice_text))
    screens = list(reply.screens)
    if reply.in_place and tapped_message_id is not None and screens:
        steps.append(_redraw_keyboard(chat_id, tapped_message_id, screens.pop()))
    elif reply.in_place and callback_id is not None and screens:
        screens.pop()  # nothing changed on screen: the answer to the tap is enough
    steps.extend(_send(chat_id, screen) for screen in screens)

    async def in_order(bot: Bot) -> None:
        for step in steps:
            await step(bot)

    if callback_id is None:
        outgoing.append(in_order)
        return
    notice = reply.notice

    async def with_answer(bot: Bot) -> None:
        answered, shown = await asyncio.gather(
            bot.answer_callback_query(callback_id, text=notice), in_order(bot),
            return_exceptions=True,
        )
        for result in (answered, shown):
            if isinstance(result, BaseException):
                raise result

    outgoing.append(with_answer)


def _send(chat_id: int, screen: Screen):  # type: ignore[no-untyped-def]
    async def send(bot: Bot) -> None:
        keyboard = screen_keyboard(screen)
        if screen.sheet:
            await send_card_sheet(bot, chat_id, screen.sheet, screen_text(screen), keyboard)
        else:
            await bot.send_message(chat_id, screen_text(screen), reply_markup=keyboard)

    return send


def _redraw_keyboard(chat_id: int, message_id: int, screen: Screen):  # type: ignore[no-untyped-def]
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
