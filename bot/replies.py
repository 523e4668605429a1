"""Sending an update's replies straight after its commit, without dropping a screen.

Telegram may answer 429 "retry after N seconds". A reply waits that long when it is
short (at most ``INLINE_WAIT`` seconds in all for one update) and tries again. When
the wait would be longer, or Telegram keeps failing (5xx, network trouble), what is
left of the reply is handed to the outbox instead, due when Telegram said: the
sender delivers it with its retries and rate limits, so the young person always
gets the next screen to tap. A refusal that waiting cannot fix (400, 403) is logged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError

from core.i18n import current_locale
from core.owners import SYSTEM_OWNER
from outbox.message import Message

log = logging.getLogger(__name__)

# How long one update's replies may wait on 429s before going through the outbox.
INLINE_WAIT = 5.0

Call = Callable[[Bot], Awaitable[Any]]


@dataclass(frozen=True)
class Later:
    """What to send through the outbox if a step cannot go now."""

    chat_id: int
    message: Message
    owner: str = SYSTEM_OWNER  # whose data key seals it (the young person's, for their screens)
    urgent: bool = False


@dataclass
class Step:
    """One Bot API call of a reply, with its outbox stand-in.

    ``alongside`` runs at the same time (the answer to a tap, which stops the
    button's spinner): it is not worth a wait or a retry, so its failure is only
    logged.
    """

    run: Call
    # Made only when it is needed (rarely): building a screen's stand-in costs as
    # much as sending it.
    later: Callable[[], Later] | None = None
    alongside: Call | None = None

    async def __call__(self, bot: Bot) -> Any:
        return await self.run(bot)


@dataclass
class Patience:
    """The time one update's replies may still spend waiting on 429s."""

    left: float = INLINE_WAIT
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep)

    async def call(self, send: Call, bot: Bot) -> Any:
        while True:
            try:
                return await send(bot)
            except TelegramRetryAfter as exc:
                if exc.retry_after > self.left:
                    raise
                self.left -= exc.retry_after
                await self.sleep(exc.retry_after)


@dataclass
class Undelivered:
    """Steps that must go through the outbox, and when Telegram will take them."""

    later: list[Later]
    due_in: float


# Failures that waiting fixes: worth handing to the outbox.
_WAIT_AND_RETRY = (TelegramRetryAfter, TelegramServerError, TelegramNetworkError)


async def deliver(bot: Bot, outgoing: list[Call], update_id: int,
                  patience: Patience | None = None) -> Undelivered | None:
    """Run the calls in order. On a failure waiting would fix, stop and return the
    outbox stand-ins of this call and every later one (so they stay in order)."""
    patience = patience or Patience()
    for i, send in enumerate(outgoing):
        try:
            if isinstance(send, Step) and send.alongside is not None:
                side: object
                main: object
                side, main = await asyncio.gather(send.alongside(bot), patience.call(send, bot),
                                                  return_exceptions=True)
                if isinstance(side, BaseException):
                    log.warning("answering a tap for update %s failed: %s", update_id,
                                type(side).__name__)
                if isinstance(main, BaseException):
                    raise main
            else:
                await patience.call(send, bot)
        except _WAIT_AND_RETRY as exc:
            later = [s.later() for s in outgoing[i:] if isinstance(s, Step) and s.later is not None]
            due_in = float(exc.retry_after) if isinstance(exc, TelegramRetryAfter) else 0.0
            log.warning("reply for update %s goes through the outbox (%d message(s), due in "
                        "%.0fs): %s", update_id, len(later), due_in, type(exc).__name__)
            return Undelivered(later, due_in) if later else None
        except Exception:  # noqa: BLE001 - the state is saved; the next input re-shows it
            log.exception("sending a reply for update %s failed", update_id)
    return None


def text_step(chat_id: int, text: str, owner: str = SYSTEM_OWNER) -> Step:
    """A plain text message, with its outbox stand-in."""

    locale = current_locale()
    return Step(lambda bot: bot.send_message(chat_id, text),
                lambda: Later(chat_id, Message(text=text, locale=locale), owner))
