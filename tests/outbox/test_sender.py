"""The sender against a transport we script, on a simulated clock."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.clock import FrozenClock
from domain.runtime import Runtime
from domain import admin
from outbox.queue import URGENT
from outbox.sender import Permanent, RetryLater, Transient
from storage.models import OutboxMessage, Staff
from testkit.outbox import ScriptedTransport, drain, pending, queue, simulated_sender


async def test_429_retry_after_3_then_sent_once_after_3s(runtime: Runtime, clock: FrozenClock) -> None:
    first = {"yes": True}

    def fail(chat_id, now):  # type: ignore[no-untyped-def]
        if first.pop("yes", False):
            return RetryLater(3)
        return None

    transport = ScriptedTransport(clock, fail)
    start = clock.now()
    await queue(runtime, 7, "hello")
    await drain(runtime, clock, simulated_sender(runtime, clock, transport))
    assert len(transport.delivered) == 1
    assert transport.delivered[0][0] - start >= timedelta(seconds=3)
    async with runtime.db.transaction() as session:
        row = (await session.scalars(select(OutboxMessage))).one()
    assert row.status == "sent" and row.attempts == 1  # a 429 is not a failed attempt


async def test_500_for_two_minutes_then_success(runtime: Runtime, clock: FrozenClock) -> None:
    outage_end = clock.now() + timedelta(minutes=2)
    transport = ScriptedTransport(
        clock, lambda chat_id, now: Transient("500") if now < outage_end else None)
    await queue(runtime, 7, "hello")
    await drain(runtime, clock, simulated_sender(runtime, clock, transport))
    assert len(transport.delivered) == 1
    assert transport.delivered[0][0] >= outage_end
    # Exponential backoff: a handful of tries in two minutes, not hundreds.
    assert 3 <= len(transport.attempts) <= 9
    gaps = [b[0] - a[0] for a, b in zip(transport.attempts, transport.attempts[1:], strict=False)]
    assert gaps[-2] > gaps[0]


async def test_urgent_goes_first(runtime: Runtime, clock: FrozenClock) -> None:
    for i in range(5):
        await queue(runtime, 100 + i, f"normal {i}")
    await queue(runtime, 999, "urgent", priority=URGENT)
    transport = ScriptedTransport(clock)
    await drain(runtime, clock, simulated_sender(runtime, clock, transport, concurrency=1))
    assert transport.delivered[0][2] == "urgent"


async def test_one_a_second_per_chat_and_25_a_second_overall(
    runtime: Runtime, clock: FrozenClock
) -> None:
    for i in range(4):
        await queue(runtime, 1, f"same chat {i}")
    for i in range(100):
        await queue(runtime, 1000 + i, f"chat {i}")
    transport = ScriptedTransport(clock)
    await drain(runtime, clock, simulated_sender(runtime, clock, transport))
    assert len(transport.delivered) == 104
    same = [t for t, chat, _ in transport.delivered if chat == 1]
    assert all(b - a >= timedelta(seconds=1) for a, b in zip(same, same[1:], strict=False))
    assert [text for _, chat, text in transport.delivered if chat == 1] == [
        f"same chat {i}" for i in range(4)]
    times = sorted(t for t, _, _ in transport.delivered)
    for i in range(len(times) - 25):
        assert times[i + 25] - times[i] >= timedelta(seconds=1) - timedelta(microseconds=1)


async def test_a_busy_chat_does_not_spin(runtime: Runtime, clock: FrozenClock) -> None:
    for i in range(30):
        await queue(runtime, 1, f"m{i}")
    transport = ScriptedTransport(clock)
    sender = simulated_sender(runtime, clock, transport)
    assert await sender.run_once() == 1
    # The rest were handed back with a due time, so an immediate pass finds nothing.
    assert await sender.run_once() == 0
    assert len(transport.attempts) == 1


async def test_429_on_two_chats_pauses_the_whole_bot(runtime: Runtime, clock: FrozenClock) -> None:
    told = set()

    def fail(chat_id, now):  # type: ignore[no-untyped-def]
        if chat_id in (1, 2) and chat_id not in told:
            told.add(chat_id)
            return RetryLater(30)
        return None

    await queue(runtime, 1, "a")
    await queue(runtime, 2, "b")
    start = clock.now()
    for i in range(10):
        await queue(runtime, 10 + i, f"c{i}")
    transport = ScriptedTransport(clock, fail)
    await drain(runtime, clock, simulated_sender(runtime, clock, transport, concurrency=1))
    late = [t for t, chat, _ in transport.delivered if chat >= 10 and t - start >= timedelta(seconds=30)]
    assert late  # the bot-wide pause held the others back
    assert len(transport.delivered) == 12


async def test_give_up_after_24_hours_and_admins_are_told(
    runtime: Runtime, clock: FrozenClock
) -> None:
    async with runtime.db.transaction() as session:
        await admin.create_service(session, name="North", timezone="Europe/London", now=clock.now())
        made = await admin.create_staff(session, service_name="North", name="Ada Admin",
                                        email="ada@north.example", role="admin", now=clock.now(),
                                        bot_username=None)
        (await session.get(Staff, made["staff_id"])).telegram_chat_id = 42  # type: ignore[union-attr]
    await queue(runtime, 7, "never arrives")
    start = clock.now()
    transport = ScriptedTransport(clock, lambda chat, now: Transient("502") if chat == 7 else None)
    await drain(runtime, clock, simulated_sender(runtime, clock, transport))
    async with runtime.db.transaction() as session:
        row = await session.scalar(select(OutboxMessage).where(OutboxMessage.chat_id == 7))
    assert row is not None and row.status == "undelivered"
    assert transport.attempts[-1][0] - start >= timedelta(hours=24)
    assert len(transport.attempts) < 24 * 60 // 5  # backed off to ~10 minutes between tries
    notices = [text for _, chat, text in transport.delivered if chat == 42]
    assert len(notices) == 1 and "admin outbox" in notices[0]
    assert await pending(runtime) == 0


async def test_permanent_failure_stops_at_once(runtime: Runtime, clock: FrozenClock) -> None:
    await queue(runtime, 7, "blocked")
    transport = ScriptedTransport(clock, lambda chat, now: Permanent("bot was blocked"))
    await drain(runtime, clock, simulated_sender(runtime, clock, transport))
    assert len(transport.attempts) == 1
    async with runtime.db.transaction() as session:
        row = (await session.scalars(select(OutboxMessage))).one()
    assert row.status == "undelivered" and "blocked" in (row.last_error or "")


async def test_an_expired_lease_is_taken_over(runtime: Runtime, clock: FrozenClock) -> None:
    from outbox.queue import claim_due

    await queue(runtime, 7, "hello")
    async with runtime.db.transaction() as session:  # a sender that then died
        assert len(await claim_due(session, runtime.vault, worker="dead", now=clock.now(),
                                   limit=10)) == 1
    transport = ScriptedTransport(clock)
    sender = simulated_sender(runtime, clock, transport)
    assert await sender.run_once() == 0  # still leased
    clock.advance(seconds=61)
    assert await sender.run_once() == 1
    assert len(transport.delivered) == 1


async def test_a_busy_chat_drains_at_its_limit_oldest_first(
    runtime: Runtime, clock: FrozenClock
) -> None:
    for i in range(10):
        await queue(runtime, 1, f"m{i}")
        clock.advance(seconds=0.01)
    transport = ScriptedTransport(clock)
    sender = simulated_sender(runtime, clock, transport)
    assert await sender.run_once() == 1
    # Queued after the rest were handed back to wait for the chat: it still goes last.
    await queue(runtime, 1, "newer")
    await drain(runtime, clock, sender)
    assert [text for _, _, text in transport.delivered] == [f"m{i}" for i in range(10)] + ["newer"]
    gaps = [(b - a).total_seconds() for (a, _, _), (b, _, _) in
            zip(transport.delivered, transport.delivered[1:], strict=False)]
    # One a second: never faster than the limit, and never a pacing interval slower.
    assert all(1.0 - 1e-6 <= gap <= 1.01 for gap in gaps), gaps
