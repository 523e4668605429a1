"""The outbox's Telegram transport: one outbox message as one Bot API call."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

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
from core.i18n import use_locale
from bot.pictures import send_card_sheet
from outbox.message import Message
from outbox.sender import Permanent, RetryLater, Transient

CAPTION_LIMIT = 1024
# Well inside the sender's lease: a hung request must end before anyone else may
# take the message over, or it could be sent twice.
REQUEST_TIMEOUT = 20


PictureRenderer = Callable[[dict[str, Any]], Awaitable[bytes | None]]


class TelegramTransport:
    def __init__(self, bot: Bot, render_picture: PictureRenderer | None = None) -> None:
        self.bot = bot
        self.render_picture = render_picture

    async def send(self, chat_id: int, message: Message) -> None:
        keyboard = message_keyboard(message)
        try:
            picture = None
            if message.picture and self.render_picture is not None:
                picture = await self.render_picture(message.picture)
            if picture is not None and message.picture.get("document"):
                # A file to keep (the welcome booklet's PDF), not a picture to look at.
                await self.bot.send_document(
                    chat_id, BufferedInputFile(picture, filename=str(message.picture["document"])),
                    caption=message.text[:CAPTION_LIMIT], reply_markup=keyboard,
                    request_timeout=REQUEST_TIMEOUT)
            elif picture is not None and len(message.text) <= CAPTION_LIMIT:
                await self.bot.send_photo(
                    chat_id, BufferedInputFile(picture, filename="strip.png"),
                    caption=message.text, reply_markup=keyboard, request_timeout=REQUEST_TIMEOUT)
            elif message.card_ids and len(message.text) <= CAPTION_LIMIT:
                with use_locale(message.locale):
                    await send_card_sheet(self.bot, chat_id, message.card_ids, message.text,
                                          keyboard, request_timeout=REQUEST_TIMEOUT)
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
