"""Driving the sender on a simulated clock: sleeping moves the clock, and an idle
sender jumps the clock to the next due message. No wall-clock waits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from core.clock import FrozenClock
from domain.runtime import Runtime
from outbox.message import Message
from outbox.queue import NORMAL, enqueue
from outbox.sender import Sender, SenderSettings
from storage.models import OutboxMessage


@dataclass
class ScriptedTransport:
    """Records every send; ``fail(chat_id, now)`` may return an exception to raise."""

    clock: FrozenClock
    fail: Callable[[int, datetime], Exception | None] = lambda chat_id, now: None
    attempts: list[tuple[datetime, int, str]] = field(default_factory=list)
    delivered: list[tuple[datetime, int, str]] = field(default_factory=list)

    async def send(self, chat_id: int, message: Message) -> None:
        now = self.clock.now()
        self.attempts.append((now, chat_id, message.text))
        exc = self.fail(chat_id, now)
        if exc is not None:
            raise exc
        self.delivered.append((now, chat_id, message.text))


def simulated_sender(runtime: Runtime, clock: FrozenClock, transport: object,
                     **settings: object) -> Sender:
    async def sleep(seconds: float) -> None:
        clock.advance(seconds=seconds)

    return Sender(runtime.db, runtime.vault, transport, clock,  # type: ignore[arg-type]
                  SenderSettings(**settings), sleep=sleep)  # type: ignore[arg-type]


async def queue(runtime: Runtime, chat_id: int, text: str, *, priority: int = NORMAL,
                kind: str = "test") -> str:
    async with runtime.db.transaction() as session:
        row = await enqueue(session, runtime.vault, chat_id=chat_id, message=Message(text=text),
                            kind=kind, now=runtime.clock.now(), priority=priority)
        return row.id


async def pending(runtime: Runtime) -> int:
    async with runtime.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxMessage)
                                         .where(OutboxMessage.status == "pending")) or 0)


async def drain(runtime: Runtime, clock: FrozenClock, sender: Sender,
                limit: timedelta = timedelta(days=3), *, must_empty: bool = True) -> int:
    """Run the sender until nothing is pending, jumping idle time on the clock, at most
    ``limit`` ahead. Returns how many sends were tried. With ``must_empty=False``,
    messages due later than that stay queued instead of failing the test."""
    end = clock.now() + limit
    tried = 0
    while clock.now() <= end:
        sent = await sender.run_once()
        tried += sent
        if sent:
            continue
        await sender.flush()
        async with runtime.db.transaction() as session:
            next_due = await session.scalar(
                select(func.min(OutboxMessage.due_at)).where(OutboxMessage.status == "pending"))
        if next_due is None:
            return tried
        pause = sender.paused_for()
        target = max(next_due, clock.now() + timedelta(seconds=pause),
                     clock.now() + timedelta(milliseconds=1))
        if target > end:
            break
        clock.set(target)
    if must_empty:
        raise AssertionError("the outbox did not drain")
    return tried
