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

A batch is claimed under a lease. Each message is written down as sent as soon
as Telegram accepts it: the sends that finish while one such commit is under way
are written together by the next (a group commit), so writing never waits for the
whole batch and never falls behind the sends. The batch is sized to finish well
inside the lease, so another sender can only take over rows from a sender that
died.

Delivery is at-least-once: a sender killed after Telegram accepted a message but
before its "sent" was committed sends it again after restart. A concurrency slot is
held from the request until its result is committed, so at most ``concurrency``
messages are ever in that window -- one when sends are paced further apart than
Telegram takes to answer, or with ``concurrency`` 1 (see docs/delivery.md).
Everything else is exactly once. Every message taken over from a dead sender is
logged (by id, never content) as a possible re-send.
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

from core.clock import Clock
from outbox.message import Message
from outbox.queue import OUTBOX, Claimed, claim_due, mark_final, mark_retry, mark_sent_many
from storage.db import Database
from storage.faults import is_database_fault
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
    # A result waits at most this long for more results (up to half the concurrency)
    # to be written down in the same commit: fewer commits when sending fast, and a
    # paced send (40 ms apart at 25/s) is still written down alone, at once.
    group_wait: float = 0.005


@dataclass
class _Outcome:
    """What happened to one claimed message; written down as soon as it is known."""

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
        # Imported here: undelivered -> email -> this module (``Transient``).
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
        # Results known but not yet committed. One task commits at a time; what
        # arrives meanwhile waits for the next commit (a group commit). After a
        # failed commit they stay here for the next pass (or ``flush``).
        self._unsaved: list[_Outcome] = []
        self._recording = asyncio.Lock()
        self._in_flight = 0
        self._launching = False  # run_once is still starting this batch's sends
        self._group_full = asyncio.Event()
        # The earliest due time of a message this sender handed back (per-chat
        # pacing, 429): the idle wait ends then, so a busy chat drains at its limit.
        self._next_due: float | None = None
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
        """Claim the next batch and deliver it, writing each result down as it comes.

        Returns how many sends were tried.
        """
        if self.paused_for() > 0:
            await self.flush()
            return 0
        now = self.clock.now()
        async with self._recording, self.db.transaction() as session:
            # Anything a failed commit left unsaved goes first, with this claim.
            unsaved, self._unsaved = self._unsaved, []
            try:
                await self._apply(session, unsaved, now)
                batch = await claim_due(
                    session, self.vault, worker=self.worker_id, now=now,
                    limit=self._claim_limit(), lease=self.settings.lease,
                    exclude_chats=self._busy_chats(now.timestamp()),
                    channels=frozenset(self.transports),
                )
            except BaseException:
                self._unsaved[:0] = unsaved
                raise
        if not batch:
            return 0
        for item in batch:
            if item.taken_over:
                # Its last sender died holding it: Telegram may already have it.
                log.warning("outbox %s taken over after a lease ran out (attempts %d): "
                            "it may be sent twice", item.id, item.attempts)
        held: list[_Outcome] = []
        tasks: list[asyncio.Task[None]] = []
        self._launching = True
        try:
            await self._launch(batch, held, tasks)
        finally:
            self._launching = False
        if held:
            # Hand back deferred rows at once rather than holding their lease.
            tasks.append(asyncio.create_task(self._record(held)))
        results = await asyncio.gather(*tasks, return_exceptions=True)
        failed = [r for r in results if isinstance(r, BaseException)]
        if failed:
            raise failed[0]
        return len(tasks) - (1 if held else 0)

    async def _launch(self, batch: list[Claimed], held: list[_Outcome],
                      tasks: list[asyncio.Task[None]]) -> None:
        """Start each message's send at its paced moment; set aside what cannot go now."""
        gate = asyncio.Semaphore(self.settings.concurrency)
        seen: set[int] = set()
        for item in batch:
            if item.message is None:
                held.append(_Outcome(item, "final", error="the young person's data was erased",
                                     final_status="cancelled"))
            elif self.paused_for() > 0:
                held.append(_Outcome(item, "retry", delay=self.paused_for(),
                                     error="waiting: Telegram asked the bot to slow down",
                                     count=False))
            elif item.chat_id in seen:
                # One message per chat per batch; the next goes at the chat's next free
                # slot -- exactly then, not a pacing interval later.
                held.append(_Outcome(item, "retry",
                                     delay=max(0.0, self._chat_free_at(item.chat_id) - self._t()),
                                     error="deferred: per-chat pacing", count=False))
            else:
                seen.add(item.chat_id)
                await self._pace(item.chat_id)
                await gate.acquire()
                tasks.append(asyncio.create_task(self._send_and_record(item, gate)))
                await asyncio.sleep(0)  # let it start now, at its paced moment

    async def flush(self) -> None:
        """Commit any results a failed commit left unsaved."""
        await self._record([])

    async def _record(self, outcomes: list[_Outcome]) -> None:
        """Write results down now. Results that arrive while another task is
        committing are written by the next commit, all together."""
        self._unsaved.extend(outcomes)
        group = max(1, self.settings.concurrency // 2)
        if len(self._unsaved) >= group:
            self._group_full.set()
        async with self._recording:
            if self._unsaved and len(self._unsaved) < group and (self._in_flight or self._launching):
                # More results are on their way: a moment's wait writes them down too.
                self._group_full.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._group_full.wait(), self.settings.group_wait)
            if not self._unsaved:
                return  # a commit that started after ours arrived already wrote it
            batch, self._unsaved = self._unsaved, []
            try:
                async with self.db.transaction() as session:
                    await self._apply(session, batch, self.clock.now())
            except BaseException:
                self._unsaved[:0] = batch  # still leased: retried next pass, or re-sent
                raise

    async def _send_and_record(self, item: Claimed, gate: asyncio.Semaphore) -> None:
        # The slot is given back only once the result is written down: at most
        # ``concurrency`` messages are ever between "sent to Telegram" and "written
        # down as sent" -- the most a crash can send twice.
        try:
            await self._record([await self._send(item)])
        finally:
            gate.release()

    async def _send(self, item: Claimed) -> _Outcome:
        assert item.message is not None
        self._in_flight += 1
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
            self._in_flight -= 1
        return _Outcome(item, "sent")

    async def _apply(self, session: AsyncSession, outcomes: list[_Outcome], now: datetime) -> None:
        """Record a whole batch's results in the caller's transaction."""
        await mark_sent_many(session, [o.item.id for o in outcomes if o.status == "sent"],
                             self.worker_id, now)
        for o in outcomes:
            if o.status == "retry" and now - o.item.created_at < self.settings.give_up_after:
                due = now + timedelta(seconds=o.delay)
                if self._next_due is None or due.timestamp() < self._next_due:
                    self._next_due = due.timestamp()
                if o.count:
                    log.warning("outbox %s to %s will retry in %.1fs: %s",
                                o.item.id, o.item.chat_id, o.delay, o.error)
                await mark_retry(session, o.item.id, self.worker_id, due_at=due,
                                 error=o.error, count=o.count)
            elif o.status != "sent":
                await self._give_up(session, o, now)

    async def _give_up(self, session: AsyncSession, o: _Outcome, now: datetime) -> None:
        await mark_final(session, o.item.id, self.worker_id, status=o.final_status, error=o.error)
        if o.final_status == "undelivered":
            log.error("outbox %s to %s undelivered: %s", o.item.id, o.item.chat_id, o.error)
            await self.on_undelivered(session, self.vault, o.item, o.error, now)

    # -- forever -----------------------------------------------------------------------

    def _idle_wait(self) -> float:
        paused = self.paused_for()
        if paused > 0:
            return max(paused, 0.001)
        wait = self.settings.idle_poll
        if self._next_due is not None:
            until = self._next_due - self._t()
            if until <= 0:
                self._next_due = None  # due now: the next pass takes it
                return 0.001
            # A hair past the due time, so the row is due when we look.
            wait = min(wait, until + 0.001)
        return wait

    async def run_forever(self, stop: asyncio.Event) -> None:
        # Whatever unit of work queues a message -- a Telegram update, a web request, a
        # scheduled job -- wakes this sender the moment it commits.
        self.db.on_commit(OUTBOX, self.kick)
        try:
            await self._run_until(stop)
        finally:
            self.db.off_commit(OUTBOX, self.kick)

    async def _run_until(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                n = await self.run_once()
                if n == 0 or stop.is_set():
                    await self.flush()
            except Exception as error:  # noqa: BLE001 - keep delivering; the rows stay queued
                if not is_database_fault(error):  # database faults are told once, by their watch
                    log.exception("outbox sender pass failed")
                n = 0
            if n == 0:
                # Nothing sendable now: sleep until woken, the next poll, the next
                # handed-back message or the end of a 429 pause -- never spin.
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._idle_wait())
        with contextlib.suppress(Exception):
            await self.flush()
