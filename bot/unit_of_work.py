"""One database transaction per Telegram update, committed in one place.

Handlers never send directly: they queue what to send in ``data["outgoing"]``, and
it goes out only after the commit. So a crash can lose a reply on screen (the next
tap shows where they are) but never a check-in that was shown as done. When
Telegram asks us to wait longer than a moment, the rest of the reply goes through
the outbox (bot/replies.py). An update Telegram delivers twice is recognised by its
id and handled once.

When the unit of work fails -- the database lost its connection, the disk is full,
or a bug -- the person is told kindly to try again in a minute (never silence). A
lost connection is retried once first: nothing was committed, so running the
update again is safe.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.types import TelegramObject, Update

from core.i18n import use_locale
from bot.replies import Undelivered, deliver
from flows.sorry import sorry_text
from storage.db import Database
from storage.faults import is_connection_lost, is_database_fault
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
        for attempt in (1, 2):
            try:
                return await self._unit(handler, event, data)
            except Exception as error:  # noqa: BLE001 - whatever failed, they hear from us
                if attempt == 1 and is_connection_lost(error):
                    continue  # rolled back: safe to run once more on a fresh connection
                if not is_database_fault(error):  # database faults are told by their watch
                    log.exception("update %s failed", event.update_id)
                await _say_sorry(data["bot"], event)
                return None
        return None

    async def _unit(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: Update,
        data: dict[str, Any],
    ) -> Any:
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
