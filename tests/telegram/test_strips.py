"""Keyworkers' mood strips on Telegram: on request (/strip) and every Monday."""

from __future__ import annotations

from datetime import UTC, datetime

from app.clock import FrozenClock
from app.scheduler import run_due
from tests.telegram.conftest import Service
from tests.telegram.test_end_to_end import KEYWORKER, SAM, link_everyone


async def sam_checks_in(service: Service, sam) -> None:  # type: ignore[no-untyped-def]
    mark = service.api.mark()
    await sam.send("/checkin")
    await sam.wait_for_message(lambda m: "photo" in m, after=mark)
    await sam.click("Proud")
    await sam.wait_for_message(lambda m: "\u2705 Proud" in str(m.get("reply_markup")), after=mark)
    await sam.click("Done")
    await sam.wait_for_message("How much", after=mark)
    await sam.click("A lot")
    await sam.wait_for_message("What would help", after=mark)
    await sam.click("Nothing right now")
    await sam.wait_for_message("a few words", after=mark)
    await sam.click("Skip")
    await sam.wait_for_message("will see this", after=mark)


async def test_keyworker_asks_for_a_strip(service: Service) -> None:
    api = service.api
    alex, sam = await link_everyone(service)
    await sam_checks_in(service, sam)
    await alex.wait_for_message(lambda m: "New check-in" in (m.get("caption") or ""))
    mark = api.mark()
    await alex.send("/strip")
    menu = await alex.wait_for_message("Whose mood strip", after=mark)
    await alex.click("Sam", message=menu)
    await alex.wait_for_message(lambda m: "photo" in m, after=mark)
    mark = api.mark()
    await alex.click("12 weeks", message=menu)
    await alex.wait_for_message(lambda m: "photo" in m, after=mark)
    photos = [c for c in api.calls_to("sendPhoto", chat_id=KEYWORKER) if "photo" in c.files]
    assert len(photos) >= 3  # the check-in notification, the week, the 12 weeks
    assert all(p.files["photo"].startswith(b"\x89PNG") for p in photos)


async def test_young_people_cannot_ask_for_strips(service: Service) -> None:
    api = service.api
    _, sam = await link_everyone(service)
    mark = api.mark()
    await sam.send("/strip")
    await sam.wait_for_message("What would you like to do?", after=mark)
    assert not api.calls_to("sendPhoto", chat_id=SAM)


async def test_monday_strip_arrives_through_the_outbox(service: Service, clock: FrozenClock) -> None:
    alex, sam = await link_everyone(service)
    await sam_checks_in(service, sam)  # Monday 23 November: week 2026-W48
    # Pacing runs on the (frozen) clock: let this send finish before time moves on.
    await alex.wait_for_message(lambda m: "New check-in" in (m.get("caption") or ""))
    clock.set(datetime(2026, 11, 30, 9, 1, tzinfo=UTC))
    runtime = await service.runtime()
    try:
        runtime.clock = clock
        assert (await run_due(runtime.db, runtime.vault, clock))["weekly_strips"] == 1
    finally:
        await runtime.close()
    strip = await alex.wait_for_message(
        lambda m: "week 2026-W48" in (m.get("caption") or ""), timeout=10)
    assert "Sam" in strip["caption"] and "1 check-in" in strip["caption"]
