"""Mood strips from stored check-ins, and the Monday 09:00 job."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from PIL import Image
from sqlalchemy import select

from core.clock import FrozenClock
from core.config import Settings
from domain.runtime import Runtime
from cards.strip import centre, slot_box, slot_fill
from domain.strips import week_strip_png
from domain.weekly_strips import queue_weekly_strips
from storage.models import AuditEntry, OutboxMessage, Staff, YoungPerson
from tests.support.flow_client import FlowClient
from tests.support.people import Cast


async def check_in(runtime: Runtime, cast: Cast, card: str, amount: str) -> None:
    client = FlowClient(runtime, cast.young_person_id)
    await client.command("checkin")
    if client.screen.name == "welcome":
        await client.tap("OK, let's go")
    await client.tap(card)
    await client.tap("Done")
    await client.tap(amount)
    await client.tap("Some space")
    await client.tap("Skip")


async def link_keyworker(runtime: Runtime, cast: Cast) -> None:
    async with runtime.db.transaction() as session:
        staff = await session.get(Staff, cast.keyworker_id)
        assert staff is not None
        staff.telegram_chat_id = staff.telegram_user_id = 2001


async def test_strip_shows_stored_checkins_on_their_local_day_across_dst(
    runtime: Runtime, cast: Cast, clock: FrozenClock
) -> None:
    # Week 2026-W43 ends on Sunday 25 October, when UK clocks go back.
    clock.set(datetime(2026, 10, 19, 22, 30, tzinfo=UTC))  # Mon 23:30 BST: Monday
    await check_in(runtime, cast, "Sad", "A lot")
    clock.set(datetime(2026, 10, 19, 23, 30, tzinfo=UTC))  # Tue 00:30 BST: Tuesday
    await check_in(runtime, cast, "Happy", "A little")
    clock.set(datetime(2026, 10, 25, 23, 30, tzinfo=UTC))  # Sun 23:30 GMT: still Sunday
    await check_in(runtime, cast, "Calm", "A lot")
    async with runtime.db.transaction() as session:
        person = await session.get(YoungPerson, cast.young_person_id)
        assert person is not None
        png, count = await week_strip_png(session, runtime.vault, person,
                                          datetime(2026, 10, 19).date(), "en")
    assert count == 3
    strip = Image.open(io.BytesIO(png)).convert("RGB")
    assert strip.getpixel(centre(slot_box(0, 0))) == slot_fill("sad", "a_lot")
    assert strip.getpixel(centre(slot_box(1, 0))) == slot_fill("happy", "a_little")
    assert strip.getpixel(centre(slot_box(6, 0))) == slot_fill("calm", "a_lot")
    # Wednesday had nothing: a quiet gap, not a card.
    assert strip.getpixel(centre(slot_box(2, 0))) not in {
        slot_fill(c, a) for c in ("sad", "happy", "calm") for a in ("a_lot", "a_little")
    }


async def test_monday_job_queues_each_strip_once_across_a_restart(
    runtime: Runtime, cast: Cast, clock: FrozenClock, settings: Settings
) -> None:
    await link_keyworker(runtime, cast)
    clock.set(datetime(2026, 11, 18, 12, 0, tzinfo=UTC))  # Wednesday of 2026-W47
    await check_in(runtime, cast, "Worried", "A lot")

    async def run_job(rt: Runtime) -> int:
        async with rt.db.transaction() as session:
            return await queue_weekly_strips(session, rt.vault, clock.now())

    clock.set(datetime(2026, 11, 23, 8, 59, tzinfo=UTC))  # Monday 08:59 London
    assert await run_job(runtime) == 0
    clock.set(datetime(2026, 11, 23, 9, 1, tzinfo=UTC))
    assert await run_job(runtime) == 1
    assert await run_job(runtime) == 0
    await runtime.close()
    restarted = await Runtime.open(settings, clock=clock)
    try:
        clock.set(datetime(2026, 11, 23, 9, 5, tzinfo=UTC))
        assert await run_job(restarted) == 0
        async with restarted.db.transaction() as session:
            rows = (await session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == "week_strip"))).all()
            assert [r.dedupe_key for r in rows] == [f"strip:{cast.young_person_id}:2026-W47"]
            assert rows[0].chat_id == 2001
            audited = await session.scalar(
                select(AuditEntry).where(AuditEntry.action == "strip.sent_to_keyworker"))
            assert audited is not None and audited.detail == "2026-W47"
        # A quiet week sends nothing: no strip that would read as "missed".
        clock.set(datetime(2026, 11, 30, 9, 1, tzinfo=UTC))
        assert await run_job(restarted) == 0
    finally:
        await restarted.close()
