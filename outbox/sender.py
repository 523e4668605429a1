"""The sender: takes due messages from the outbox and delivers them.

Rules it keeps:

- most urgent first (priority, then due time);
- at most ``rate_per_chat`` messages a second to one chat and ``rate_global``
  overall, paced as sends *start*, with up to ``concurrency`` in flight so a slow
  round trip to Telegram does not cap the rate;
- HTTP 429 pauses that chat for ``retry_after``; when a second chat is told to
  wait while another still is, the limit is taken to be the bot's, and every
  chat waits (what is left of the batch is handed back, not slept on);
- 5xx and network errors retry with exponential backoff and jitter;
- after ``give_up_after`` of failure (or a permanent refusal) a message is marked
  undelivered and admins are told, in the same transaction.

A batch is claimed under a lease and its results are committed in one
transaction. The batch is sized to finish well inside the lease, so another
sender can only take over rows from a sender that died.

Delivery is at-least-once: a sender killed after Telegram accepted a message but
before the batch's "sent" was committed sends it again after restart (see
docs/delivery.md). Everything else is exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import Clock
from outbox.message import Message
from outbox.queue import Claimed, claim_due, mark_final, mark_retry, mark_sent_many
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


UndeliveredHook = Callable[[AsyncSession, Vault, Claimed, str, datetime], Awaitable[None]]


@dataclass
class SenderSettings:
    rate_global: float = 25.0
    rate_per_chat: float = 1.0
    give_up_after: timedelta = timedelta(hours=24)
    batch: int = 50
    concurrency: int = 16
    lease: timedelta = timedelta(seconds=60)
    idle_poll: float = 0.5
    base_backoff: float = 2.0
    max_backoff: float = 600.0


@dataclass
class _Outcome:
    """What happened to one claimed message; applied with the batch's commit."""

    item: Claimed
    status: str  # sent | retry | final
    delay: float = 0.0
    error: str = ""
    count: bool = True
    final_status: str = "undelivered"


@dataclass
class _Limits:
    """Where the rate limits stand, in clock seconds (this process's view)."""

    next_global: float = 0.0
    global_pause_until: float = 0.0
    last_to_chat: dict[int, float] = field(default_factory=dict)
    chat_pause_until: dict[int, float] = field(default_factory=dict)


class Sender:
    def __init__(
        self,
        db: Database,
        vault: Vault,
        transport: Transport | None,
        clock: Clock,
        settings: SenderSettings | None = None,
        *,
        worker_id: str | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        on_undelivered: UndeliveredHook | None = None,
        routes: Mapping[str, Transport] | None = None,
    ) -> None:
        from outbox.undelivered import tell_admins

        self.db = db
        self.vault = vault
        # One transport per outbox channel: ``transport`` is Telegram's, ``routes``
        # adds others (e.g. "email"). Rows for a channel without one stay queued.
        self.transports: dict[str, Transport] = {} if transport is None else {"telegram": transport}
        self.transports.update(routes or {})
        self.clock = clock
        self.settings = settings or SenderSettings()
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._sleep = sleep
        self._wake = asyncio.Event()
        self._limits = _Limits()
        # Results of the last batch, committed with the next claim (one transaction
        # per batch instead of two). ``flush`` commits them when there is no next.
        self._unsaved: list[_Outcome] = []
        self.on_undelivered: UndeliveredHook = on_undelivered or tell_admins

    def kick(self) -> None:
        """Something was just queued: look now instead of at the next poll."""
        self._wake.set()

    # -- time and limits -------------------------------------------------------------

    def _t(self) -> float:
        # The injected clock, so a simulated clock drives pacing and retries alike.
        return self.clock.now().timestamp()

    def _chat_free_at(self, chat_id: int) -> float:
        lim = self._limits
        return max(lim.last_to_chat.get(chat_id, -1e18) + 1.0 / self.settings.rate_per_chat,
                   lim.chat_pause_until.get(chat_id, -1e18))

    def _busy_chats(self, now: float) -> frozenset[int]:
        return frozenset(c for c in set(self._limits.last_to_chat) | set(self._limits.chat_pause_until)
                         if self._chat_free_at(c) > now)

    async def _pace(self, chat_id: int) -> None:
        """Wait until both the global and the per-chat rate allow one more send."""
        lim = self._limits
        now = self._t()
        wait = max(lim.next_global, self._chat_free_at(chat_id)) - now
        if wait > 0:
            await self._sleep(wait)
            now = self._t()
        lim.next_global = max(now, lim.next_global) + 1.0 / self.settings.rate_global
        lim.last_to_chat[chat_id] = now
        if len(lim.last_to_chat) > 10_000:
            lim.last_to_chat = {c: t for c, t in lim.last_to_chat.items()
                                if t + 1.0 / self.settings.rate_per_chat > now}
            lim.chat_pause_until = {c: t for c, t in lim.chat_pause_until.items() if t > now}

    def _told_to_wait(self, chat_id: int, seconds: float) -> None:
        lim = self._limits
        now = self._t()
        until = now + seconds
        others = [c for c, t in lim.chat_pause_until.items() if t > now and c != chat_id]
        lim.chat_pause_until[chat_id] = max(until, lim.chat_pause_until.get(chat_id, 0.0))
        if others:
            # Two chats told to wait at once: the limit is the bot's, not one chat's.
            lim.global_pause_until = max(lim.global_pause_until, until)
            log.warning("Telegram asked the whole bot to wait %.1fs", seconds)

    def paused_for(self) -> float:
        """Seconds until the bot-wide 429 pause ends (0 when not paused)."""
        return max(0.0, self._limits.global_pause_until - self._t())

    # -- one pass ----------------------------------------------------------------------

    def _claim_limit(self) -> int:
        # Pacing happens while the batch is held: keep the batch short enough to
        # be sent in a quarter of the lease, so nobody else takes it over.
        s = self.settings
        fits = int(s.rate_global * s.lease.total_seconds() / 4)
        return max(1, min(s.batch, fits))

    async def run_once(self) -> int:
        """Save the last batch's results, claim the next batch and deliver it.

        Returns how many sends were tried. Results are saved by the next pass (or
        ``flush``); until then a crash would send them again, which the lease and
        the at-least-once window already allow for (docs/delivery.md).
        """
        if self.paused_for() > 0:
            await self.flush()
            return 0
        now = self.clock.now()
        async with self.db.transaction() as session:
            await self._apply(session, self._unsaved, now)
            batch = await claim_due(
                session, self.vault, worker=self.worker_id, now=now, limit=self._claim_limit(),
                lease=self.settings.lease, exclude_chats=self._busy_chats(now.timestamp()),
                channels=frozenset(self.transports),
            )
        self._unsaved = []  # committed: only now may they be forgotten
        if not batch:
            return 0
        outcomes: list[_Outcome] = []
        tasks: list[asyncio.Task[_Outcome]] = []
        gate = asyncio.Semaphore(self.settings.concurrency)
        seen: set[int] = set()
        for item in batch:
            if item.message is None:
                outcomes.append(_Outcome(item, "final", error="the young person's data was erased",
                                         final_status="cancelled"))
            elif self.paused_for() > 0:
                outcomes.append(_Outcome(item, "retry", delay=self.paused_for(),
                                         error="waiting: Telegram asked the bot to slow down",
                                         count=False))
            elif item.chat_id in seen:
                # One message per chat per batch; the next goes when the chat is free.
                delay = max(0.0, self._chat_free_at(item.chat_id) - self._t()) + 1.0 / (
                    self.settings.rate_per_chat)
                outcomes.append(_Outcome(item, "retry", delay=delay,
                                         error="deferred: per-chat pacing", count=False))
            else:
                seen.add(item.chat_id)
                await self._pace(item.chat_id)
                await gate.acquire()
                tasks.append(asyncio.create_task(self._send(item, gate)))
                await asyncio.sleep(0)  # let it start now, at its paced moment
        outcomes.extend(await asyncio.gather(*tasks))
        self._unsaved = outcomes
        if not tasks or any(o.status != "sent" for o in outcomes):
            # Hand back deferred and failed rows at once rather than holding their lease.
            await self.flush()
        return len(tasks)

    async def flush(self) -> None:
        """Commit the results of the last batch, if not yet saved."""
        if not self._unsaved:
            return
        outcomes, self._unsaved = self._unsaved, []
        async with self.db.transaction() as session:
            await self._apply(session, outcomes, self.clock.now())

    async def _send(self, item: Claimed, gate: asyncio.Semaphore) -> _Outcome:
        assert item.message is not None
        try:
            await self.transports[item.channel].send(item.chat_id, item.message)
        except RetryLater as exc:
            self._told_to_wait(item.chat_id, exc.seconds)
            return _Outcome(item, "retry", delay=exc.seconds, error=f"429: {exc}", count=False)
        except Permanent as exc:
            return _Outcome(item, "final", error=f"permanent: {exc}")
        except Exception as exc:  # noqa: BLE001 - anything else is worth a retry
            s = self.settings
            delay = min(s.max_backoff, s.base_backoff * 2 ** item.attempts)
            return _Outcome(item, "retry", delay=delay * random.uniform(0.5, 1.0),
                            error=f"{type(exc).__name__}: {exc}")
        finally:
            gate.release()
        return _Outcome(item, "sent")

    async def _apply(self, session: AsyncSession, outcomes: list[_Outcome], now: datetime) -> None:
        """Record a whole batch's results in the caller's transaction."""
        await mark_sent_many(session, [o.item.id for o in outcomes if o.status == "sent"],
                             self.worker_id, now)
        for o in outcomes:
            if o.status == "retry" and now - o.item.created_at < self.settings.give_up_after:
                if o.count:
                    log.warning("outbox %s to %s will retry in %.1fs: %s",
                                o.item.id, o.item.chat_id, o.delay, o.error)
                await mark_retry(session, o.item.id, self.worker_id,
                                 due_at=now + timedelta(seconds=o.delay), error=o.error,
                                 count=o.count)
            elif o.status != "sent":
                await self._give_up(session, o, now)

    async def _give_up(self, session: AsyncSession, o: _Outcome, now: datetime) -> None:
        await mark_final(session, o.item.id, self.worker_id, status=o.final_status, error=o.error)
        if o.final_status == "undelivered":
            log.error("outbox %s to %s undelivered: %s", o.item.id, o.item.chat_id, o.error)
            await self.on_undelivered(session, self.vault, o.item, o.error, now)

    # -- forever -----------------------------------------------------------------------

    async def run_forever(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                n = await self.run_once()
                if n == 0 or stop.is_set():
                    await self.flush()
            except Exception:  # noqa: BLE001 - keep delivering; the rows stay queued
                log.exception("outbox sender pass failed")
                n = 0
            if n == 0:
                # Nothing sendable now: sleep until woken, the next poll, or the end
                # of a 429 pause -- never spin.
                self._wake.clear()
                wait = max(self.settings.idle_poll, self.paused_for())
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait)
        with contextlib.suppress(Exception):
            await self.flush()
