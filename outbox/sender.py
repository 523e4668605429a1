"""The sender: takes due messages from the outbox and delivers them.

Rules it keeps: most urgent first; at most ``rate_per_chat`` messages a second to one
chat and ``rate_global`` overall; on HTTP 429 it waits as long as Telegram says; on
5xx or network trouble it retries with exponential backoff and jitter; after
``give_up_after`` of failures a message is marked undelivered for admins to see.

Delivery is at-least-once: a sender killed after Telegram accepted a message but
before "sent" was committed will send it again after restart. That window is one
HTTP round trip plus one commit; everything else is exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from app.clock import Clock
from outbox.message import Message
from outbox.queue import Claimed, claim_due, mark_final, mark_retry, mark_sent
from storage.db import Database
from storage.vault import Vault

log = logging.getLogger(__name__)


class RetryLater(Exception):
    """The channel asked us to wait (HTTP 429): not a failure of the message."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds}s")
        self.seconds = seconds


class Transient(Exception):
    """A failure worth retrying: server error, network trouble."""


class Permanent(Exception):
    """A failure retrying cannot fix: the chat blocked the bot, the chat is gone."""


class Transport(Protocol):
    async def send(self, chat_id: int, message: Message) -> None: ...


@dataclass
class SenderSettings:
    rate_global: float = 25.0
    rate_per_chat: float = 1.0
    give_up_after: timedelta = timedelta(hours=24)
    batch: int = 50
    idle_poll: float = 0.5
    base_backoff: float = 2.0
    max_backoff: float = 600.0


class Sender:
    def __init__(
        self,
        db: Database,
        vault: Vault,
        transport: Transport,
        clock: Clock,
        settings: SenderSettings | None = None,
        *,
        worker_id: str | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        on_undelivered: Callable[[Claimed, str], Awaitable[None]] | None = None,
    ) -> None:
        self.db = db
        self.vault = vault
        self.transport = transport
        self.clock = clock
        self.settings = settings or SenderSettings()
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._sleep = sleep
        self._wake = asyncio.Event()
        self._last_to_chat: dict[int, float] = {}
        self._next_global = 0.0
        self._paused_until = 0.0
        self.on_undelivered = on_undelivered

    def kick(self) -> None:
        """Something was just queued: look now instead of at the next poll."""
        self._wake.set()

    async def _pace(self, chat_id: int) -> None:
        """Wait until both the global and the per-chat rate allow one more message."""
        s = self.settings
        now = time.monotonic()
        wait = max(
            self._next_global - now,
            self._paused_until - now,
            self._last_to_chat.get(chat_id, -1e9) + 1.0 / s.rate_per_chat - now,
        )
        if wait > 0:
            await self._sleep(wait)
            now = time.monotonic()
        self._next_global = max(now, self._next_global) + 1.0 / s.rate_global
        self._last_to_chat[chat_id] = now
        if len(self._last_to_chat) > 10_000:
            horizon = now - 1.0 / s.rate_per_chat
            self._last_to_chat = {c: t for c, t in self._last_to_chat.items() if t > horizon}

    def _hot_chats(self) -> frozenset[int]:
        horizon = time.monotonic() - 1.0 / self.settings.rate_per_chat
        return frozenset(c for c, t in self._last_to_chat.items() if t > horizon)

    async def run_once(self) -> int:
        """Claim one batch and deliver it. Returns how many were attempted."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            batch = await claim_due(
                session, self.vault, worker=self.worker_id, now=now,
                limit=self.settings.batch, exclude_chats=self._hot_chats(),
            )
        # One message per chat per batch keeps a busy chat from stalling others.
        seen: set[int] = set()
        for item in batch:
            if item.chat_id in seen:
                async with self.db.transaction() as session:
                    await mark_retry(session, item.id, self.worker_id, due_at=self.clock.now(),
                                     error="deferred: per-chat pacing", count=False)
                continue
            seen.add(item.chat_id)
            await self._deliver(item)
        return len(batch)

    async def _deliver(self, item: Claimed) -> None:
        if item.message is None:
            async with self.db.transaction() as session:
                await mark_final(session, item.id, self.worker_id, status="cancelled",
                                 error="the young person's data was erased")
            return
        await self._pace(item.chat_id)
        try:
            await self.transport.send(item.chat_id, item.message)
        except RetryLater as exc:
            self._paused_until = time.monotonic() + exc.seconds
            await self._retry(item, exc.seconds, f"429: {exc}", count=False)
        except Permanent as exc:
            await self._give_up(item, f"permanent: {exc}")
        except Exception as exc:  # noqa: BLE001 - anything else is worth a retry
            delay = min(
                self.settings.max_backoff, self.settings.base_backoff * 2 ** item.attempts
            ) * random.uniform(0.5, 1.0)
            await self._retry(item, delay, f"{type(exc).__name__}: {exc}")
        else:
            async with self.db.transaction() as session:
                await mark_sent(session, item.id, self.worker_id, self.clock.now())

    async def _retry(self, item: Claimed, delay: float, error: str, *, count: bool = True) -> None:
        now = self.clock.now()
        if now - item.created_at >= self.settings.give_up_after:
            await self._give_up(item, error)
            return
        log.warning("outbox %s to %s will retry in %.1fs: %s", item.id, item.chat_id, delay, error)
        async with self.db.transaction() as session:
            await mark_retry(session, item.id, self.worker_id,
                             due_at=now + timedelta(seconds=delay), error=error, count=count)

    async def _give_up(self, item: Claimed, error: str) -> None:
        log.error("outbox %s to %s undelivered: %s", item.id, item.chat_id, error)
        async with self.db.transaction() as session:
            await mark_final(session, item.id, self.worker_id, status="undelivered", error=error)
        if self.on_undelivered is not None:
            await self.on_undelivered(item, error)

    async def run_forever(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                n = await self.run_once()
            except Exception:  # noqa: BLE001 - keep delivering; the row stays queued
                log.exception("outbox sender pass failed")
                n = 0
            if n == 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.settings.idle_poll)
