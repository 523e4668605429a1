"""Keyworkers' mood strips on Telegram: on request (/strip) and every Monday."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from core.clock import FrozenClock
from app.scheduler import run_due
from bot.callbacks import MoodStrip
from storage.models import AuditEntry
from testkit.telegram import TelegramUser
from tests.telegram.conftest import KEYWORKER, SAM, Heard


async def sam_checks_in(heard: Heard, sam: TelegramUser) -> None:
    mark = heard.api.mark()
    await sam.send("/checkin")
    sam.expect(lambda m: "photo" in m, after=mark)
    await sam.tap("Proud")
    sam.expect(lambda m: "\u2705 Proud" in str(m.get("reply_markup")), after=mark)
    await sam.tap("Done")
    sam.expect("How much", after=mark)
    await sam.tap("A lot")
    sam.expect("What would help", after=mark)
    await sam.tap("Nothing right now")
    sam.expect("a few words", after=mark)
    await sam.tap("Skip")
    sam.expect("will see this", after=mark)


async def test_keyworker_asks_for_a_strip(heard: Heard) -> None:
    api = heard.api
    alex, sam = await heard.link_everyone()
    await sam_checks_in(heard, sam)
    await heard.deliver()
    alex.expect(lambda m: "New check-in" in (m.get("caption") or ""))
    mark = api.mark()
    await alex.send("/strip")
    menu = alex.expect("Whose mood strip", after=mark)
    await alex.tap("Sam", message=menu)
    await heard.deliver()
    alex.expect(lambda m: "photo" in m, after=mark)
    mark = api.mark()
    await alex.tap("12 weeks", message=menu)
    await heard.deliver()
    alex.expect(lambda m: "photo" in m, after=mark)
    photos = [c for c in api.calls_to("sendPhoto", chat_id=KEYWORKER) if "photo" in c.files]
    assert len(photos) >= 3  # the check-in notification, the week, the 12 weeks
    assert all(p.files["photo"].startswith(b"\x89PNG") for p in photos)


async def test_each_strip_is_audited_and_a_stranger_s_is_refused(heard: Heard) -> None:
    alex, sam = await heard.link_everyone()
    await sam_checks_in(heard, sam)
    await heard.deliver()
    mark = heard.api.mark()
    await alex.send("/strip")
    menu = alex.expect("Whose mood strip", after=mark)
    await alex.tap("Sam", message=menu)
    await alex.tap("12 weeks", message=menu)
    # A forged button: a young person Alex does not key-work, and no one at all.
    query = await alex.tap_raw(MoodStrip(person="x" * 32).pack(), menu["message_id"])
    answer = heard.api.callback_answer(query)
    assert answer is not None and "doesn't work any more" in answer.get("text", "")
    async with heard.runtime.db.transaction() as session:
        rows = (await session.scalars(select(AuditEntry).where(
            AuditEntry.actor_id == heard.cast.keyworker_id,
            AuditEntry.action.in_(("strip.viewed", "overview.viewed", "strip.refused")))
            .order_by(AuditEntry.id))).all()
    assert [(r.action, r.young_person_id) for r in rows] == [
        ("strip.viewed", heard.cast.young_person_id),
        ("overview.viewed", heard.cast.young_person_id),
        ("strip.refused", None),
    ]


async def test_young_people_cannot_ask_for_strips(heard: Heard) -> None:
    api = heard.api
    _, sam = await heard.link_everyone()
    await sam.send("/strip")
    sam.expect("What would you like to do?")
    await heard.deliver()
    assert not api.calls_to("sendPhoto", chat_id=SAM)


async def test_monday_strip_arrives_through_the_outbox(heard: Heard, clock: FrozenClock) -> None:
    alex, sam = await heard.link_everyone()
    await sam_checks_in(heard, sam)  # Monday 23 November: week 2026-W48
    await heard.deliver()
    alex.expect(lambda m: "New check-in" in (m.get("caption") or ""))
    clock.set(datetime(2026, 11, 30, 9, 1, tzinfo=UTC))
    runtime = heard.runtime
    assert (await run_due(runtime.db, runtime.vault, clock))["weekly_strips"] == 1
    mark = heard.api.mark()
    await heard.deliver()
    strip = alex.expect(lambda m: "week 2026-W48" in (m.get("caption") or ""), after=mark)
    assert "Sam" in strip["caption"] and "1 check-in" in strip["caption"]
