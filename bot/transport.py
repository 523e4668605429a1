"""The outbox's Telegram transport: one outbox message as one Bot API call."""

from __future__ import annotations

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import BufferedInputFile

from bot.keyboards import message_keyboard
from cards.sheet import sheet_png
from outbox.message import Message
from outbox.sender import Permanent, RetryLater, Transient

CAPTION_LIMIT = 1024
# Well inside the sender's lease: a hung request must end before anyone else may
# take the message over, or it could be sent twice.
REQUEST_TIMEOUT = 20


class TelegramTransport:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat_id: int, message: Message) -> None:
        keyboard = message_keyboard(message)
        try:
            if message.card_ids and len(message.text) <= CAPTION_LIMIT:
                picture = BufferedInputFile(sheet_png(message.card_ids), filename="cards.png")
                await self.bot.send_photo(chat_id, picture, caption=message.text,
                                          reply_markup=keyboard, request_timeout=REQUEST_TIMEOUT)
            else:
                await self.bot.send_message(chat_id, message.text, reply_markup=keyboard,
                                            request_timeout=REQUEST_TIMEOUT)
        except TelegramRetryAfter as exc:
            raise RetryLater(float(exc.retry_after)) from exc
        except (TelegramForbiddenError, TelegramNotFound, TelegramUnauthorizedError) as exc:
            raise Permanent(str(exc)) from exc
        except TelegramBadRequest as exc:
            # "chat not found" and friends will not get better by waiting.
            raise Permanent(str(exc)) from exc
        except (TelegramServerError, TelegramNetworkError) as exc:
            raise Transient(str(exc)) from exc
