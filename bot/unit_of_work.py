"""One database transaction per Telegram update, committed in one place.

Handlers never send directly: they queue what to send in ``data["outgoing"]``, and
it goes out only after the commit. So a crash can lose a reply on screen (the next
tap shows where they are) but never a check-in that was shown as done. When
Telegram asks us to wait longer than a moment, the rest of the reply goes through
the outbox (bot/replies.py). An update Telegram delivers twice is recognised by its
id and handled once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.types import TelegramObject, Update

from bot.replies import Undelivered, deliver
from storage.db import Database
from storage.repositories import claim_update

log = logging.getLogger(__name__)

Outgoing = list[Callable[[Bot], Awaitable[Any]]]


class UnitOfWorkMiddleware(BaseMiddleware):
    def __init__(self, db: Database, clock: Any, on_commit: Callable[[], None] | None = None) -> None:
        self.db = db
        self.clock = clock
        self.on_commit = on_commit

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        outgoing: Outgoing = []
        async with self.db.transaction() as session:
            if not await claim_update(session, event.update_id, self.clock.now()):
                log.info("update %s already handled; skipped", event.update_id)
                return None
            data["session"] = session
            data["outgoing"] = outgoing
            result = await handler(event, data)
            queued = bool(session.info.pop("outbox_added", False))
        if queued and self.on_commit:
            self.on_commit()
        undelivered = await deliver(data["bot"], outgoing, event.update_id)
        if undelivered is not None:
            await self._send_later(undelivered, data)
        return result

    async def _send_later(self, undelivered: Undelivered, data: dict[str, Any]) -> None:
        """Queue what Telegram would not take now, in order, due when it said."""
        from outbox.queue import NORMAL, URGENT, enqueue

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
            return
        if self.on_commit:
            self.on_commit()
