"""Reminders: off by default, chosen per day in local time, right across the clock
change, off in one tap, and never sent while paused."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.clock import FrozenClock
from domain.runtime import Runtime
from app.scheduler import run_due
from domain.reminder_times import next_occurrence, parse_time
from storage.models import Reminder, YoungPerson
from tests.support.people import Cast
from tests.support.safeguarding import YP_CHAT, consented, outbox

LONDON = ZoneInfo("Europe/London")


async def _on_telegram(runtime: Runtime, cast: Cast) -> None:
    async with runtime.db.transaction() as session:
        person = await session.get(YoungPerson, cast.young_person_id)
        assert person is not None
        person.telegram_chat_id = YP_CHAT


async def _reminders(runtime: Runtime) -> list[Reminder]:
    async with runtime.db.transaction() as session:
        return list((await session.scalars(select(Reminder))).all())


def test_next_occurrence_follows_local_time_across_the_october_change() -> None:
    after = datetime(2026, 10, 23, 12, 0, tzinfo=UTC)  # Friday
    fires = []
    for weekday in (5, 6, 0):  # Saturday 24th (BST), Sunday 25th (GMT from 02:00), Monday 26th
        fires.append(next_occurrence(weekday, "08:00", LONDON, after))
    assert fires == [
        datetime(2026, 10, 24, 7, 0, tzinfo=UTC),
        datetime(2026, 10, 25, 8, 0, tzinfo=UTC),
        datetime(2026, 10, 26, 8, 0, tzinfo=UTC),
    ]
    assert all(f.astimezone(LONDON).hour == 8 for f in fires)


def test_times_are_read_kindly() -> None:
    assert parse_time("8:00") == "08:00"
    assert parse_time("1630") == "16:30"
    assert parse_time("20.05") == "20:05"
    assert parse_time("25:00") is None and parse_time("soon") is None


async def test_reminders_are_off_until_asked_for(runtime: Runtime, cast: Cast) -> None:
    await _on_telegram(runtime, cast)  # reminders are offered where they can be sent
    client = await consented(runtime, cast)
    assert "go:reminders" in {c.id for c in client.screen.choices}
    await client.command("reminders")
    assert "Reminders are off" in client.screen.text
    assert await _reminders(runtime) == []


async def test_daily_0800_fires_at_0800_local_across_the_clock_change(
    runtime: Runtime, cast: Cast, clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 10, 22, 12, 0, tzinfo=UTC))  # Thursday, BST
    await _on_telegram(runtime, cast)
    client = await consented(runtime, cast)
    await client.command("reminders")
    for day in ("Friday", "Saturday", "Sunday", "Monday", "Tuesday"):
        await client.tap("Add or change a day" if "change" in str(client.screen.choices) else "Choose a day")
        await client.tap(day)
        await client.tap("08:00")
    assert "Sunday 08:00" in client.screen.text
    assert "always fine to skip" in client.screen.text

    fired: list[datetime] = []
    while clock.now() < datetime(2026, 10, 27, 23, 0, tzinfo=UTC):
        clock.advance(minutes=15)
        queued = (await run_due(runtime.db, runtime.vault, clock))["reminders"]
        if queued:
            fired.append(clock.now())
    local = [f.astimezone(LONDON) for f in fired]
    assert [(d.day, d.hour, d.minute) for d in local] == [
        (23, 8, 0), (24, 8, 0), (25, 8, 0), (26, 8, 0), (27, 8, 0)]
    assert fired[2] == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)  # GMT now
    sent = await outbox(runtime, chat_id=YP_CHAT, kind="reminder")
    assert len(sent) == 5
    assert "fine too" in sent[0][1].text and "missed" not in sent[0][1].text


async def test_one_tap_turns_them_off_and_pause_silences_them(
    runtime: Runtime, cast: Cast, clock: FrozenClock
) -> None:
    await _on_telegram(runtime, cast)
    client = await consented(runtime, cast)
    await client.command("reminders")
    await client.tap("Choose a day")
    await client.tap("Tuesday")
    await client.send("9:15")
    assert "Tuesday 09:15" in client.screen.text
    await client.command("pause")
    clock.advance(days=8)
    assert (await run_due(runtime.db, runtime.vault, clock))["reminders"] == 0
    await client.command("reminders")  # coming back un-pauses
    await client.tap("Turn reminders off")
    assert "Reminders are off" in client.screen.text
    assert await _reminders(runtime) == []
    assert await outbox(runtime, kind="reminder") == []
