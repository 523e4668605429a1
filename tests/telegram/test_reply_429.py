"""Telegram answers 429 "retry after" to a direct reply: the young person still gets
the next screen -- after a short wait inline, or through the outbox when the wait is
long -- and its buttons work."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from core.clock import FrozenClock
from storage.models import OutboxMessage
from tests.telegram.conftest import SAM, Service, link_everyone


async def test_a_short_retry_after_is_waited_out_and_the_screen_arrives(service: Service) -> None:
    api = service.api
    _, sam = await link_everyone(service)
    api.fail("sendMessage", status=429, retry_after=1, times=1, chat_id=SAM)
    await sam.send("/listened")
    await sam.wait_for_message("Who are you thinking about", timeout=15)
    answers = [c.status for c in api.calls_to("sendMessage", chat_id=SAM)]
    assert answers[-2:] == [429, 200]
    await sam.click("My keyworker")
    await sam.wait_for_message("did you feel listened to")


async def test_a_long_retry_after_sends_the_screen_through_the_outbox(
    service: Service, clock: FrozenClock
) -> None:
    api = service.api
    _, sam = await link_everyone(service)
    api.fail("sendMessage", status=429, retry_after=30, times=1, chat_id=SAM)
    await sam.send("/listened")
    runtime = await service.runtime()
    try:
        async def queued() -> OutboxMessage | None:
            async with runtime.db.transaction() as session:
                return await session.scalar(select(OutboxMessage).where(
                    OutboxMessage.kind == "reply", OutboxMessage.chat_id == SAM))

        loop = asyncio.get_running_loop()
        end = loop.time() + 15
        while (row := await queued()) is None:
            assert loop.time() < end, "the screen was neither sent nor queued"
            await asyncio.sleep(0.02)
        # Due when Telegram said, sealed with Sam's own key (it is Sam's screen).
        assert (row.due_at - clock.now()).total_seconds() >= 29
        assert row.key_owner == service.cast.young_person_id
    finally:
        await runtime.close()
    assert not [m for m in api.messages(SAM) if "Who are you thinking about" in str(m)]
    clock.advance(seconds=31)
    await sam.wait_for_message("Who are you thinking about", timeout=15)
    await sam.click("My keyworker")
    await sam.wait_for_message("did you feel listened to")
