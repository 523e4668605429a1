"""One database transaction per Telegram update, committed in one place.

Handlers never send directly: they queue what to send in ``data["outgoing"]``, and
it goes out only after the commit. So a crash can lose a reply on screen (the next
tap shows where they are) but never a check-in that was shown as done. When
Telegram asks us to wait longer than a moment, the rest of the reply goes through
the outbox (bot/replies.py). An update Telegram delivers twice is recognised by its
id and handled once.

When the unit of work fails -- the database lost its connection, the disk is full,
or a bug -- it rolls back and the error goes on to the dispatcher's error handler
(``bot/errors.py``), which tells the person kindly to try again in a minute (never
silence). A lost connection is retried once first: nothing was committed, so running
the update again is safe.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware, Bot
from aiogram.types import TelegramObject, Update

from bot.replies import Undelivered, deliver
from domain.identity import first_delivery
from outbox.queue import NORMAL, URGENT, enqueue

if TYPE_CHECKING:
    from storage.db import Database

log = logging.getLogger(__name__)

Outgoing = list[Callable[[Bot], Awaitable[Any]]]


class UnitOfWorkMiddleware(BaseMiddleware):
    def __init__(self, db: Database, clock: Any) -> None:
        self.db = db
        self.clock = clock

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        for attempt in (1, 2):
            try:
                return await self._unit(handler, event, data)
            except Exception as error:  # noqa: BLE001 - logged here, told by bot/errors.py
                if attempt == 1 and self.db.lost_connection(error):
                    continue  # rolled back: safe to run once more on a fresh connection
                if not self.db.is_fault(error):  # database faults are told by their watch
                    log.exception("update %s failed", event.update_id)
                # Rolled back; the dispatcher's error handler tells them (bot/errors.py).
                raise
        return None

    async def _unit(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: Update,
        data: dict[str, Any],
    ) -> Any:
        outgoing: Outgoing = []
        async with self.db.transaction() as session:
            if not await first_delivery(session, event.update_id, self.clock.now()):
                log.info("update %s already handled; skipped", event.update_id)
                return None
            data["session"] = session
            data["outgoing"] = outgoing
            result = await handler(event, data)
        undelivered = await deliver(data["bot"], outgoing, event.update_id)
        if undelivered is not None:
            await self._send_later(undelivered, data)
        return result

    async def _send_later(self, undelivered: Undelivered, data: dict[str, Any]) -> None:
        """Queue what Telegram would not take now, in order, due when it said."""

        services = data["services"]
        now = self.clock.now()
        try:
            async with self.db.transaction() as session:
                for i, later in enumerate(undelivered.later):
                    # A microsecond apart: the outbox sends oldest first, so in order.
                    await enqueue(session, services.vault, chat_id=later.chat_id,
                                  message=later.message, kind="reply",
                                  now=now + timedelta(microseconds=i), key_owner=later.owner,
                                  priority=URGENT if later.urgent else NORMAL,
                                  due_at=now + timedelta(seconds=undelivered.due_in))
        except Exception:  # noqa: BLE001 - the state is saved; the next input re-shows it
            log.exception("queueing a reply through the outbox failed")
