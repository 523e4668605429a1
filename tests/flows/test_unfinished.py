"""Nothing a young person started is lost: a check-in left silent is recorded as it
stands after the service's window (on a simulated clock), marked unfinished, and the
keyworker is told; finishing later completes that same record. An urgent card's
alert is raised at the tap, once."""

from __future__ import annotations

from sqlalchemy import select

from app import scheduler
from core.clock import FrozenClock
from domain.runtime import Runtime
from domain.safeguarding_admin import set_unfinished_minutes
from storage.models import Alert, CheckIn
from tests.support.people import Cast, make_cast
from tests.support.safeguarding import KEYWORKER_CHAT, consented, make_team, outbox
from tests.support.flow_client import FlowClient


async def _record_due(runtime: Runtime) -> int:
    return await scheduler.unfinished_checkins(runtime.db, runtime.vault, runtime.clock)


async def _checkins(runtime: Runtime) -> list[tuple[CheckIn, dict]]:
    async with runtime.db.transaction() as session:
        rows = (await session.scalars(select(CheckIn))).all()
        return [(row, await runtime.vault.open(session, row.young_person_id, "checkins", row.id,
                                               row.payload_ct)) for row in rows]


async def _alerts(runtime: Runtime) -> list[Alert]:
    async with runtime.db.transaction() as session:
        return list((await session.scalars(select(Alert))).all())


async def test_a_silent_checkin_is_recorded_unfinished_and_finishing_completes_it(
    runtime: Runtime, cast: Cast, clock: FrozenClock
) -> None:
    await make_team(runtime, cast)
    sam = await consented(runtime, cast)
    await sam.command("checkin")
    await sam.tap("Worried")
    await sam.tap("Done")
    await sam.tap("A lot")
    clock.advance(minutes=29, seconds=59)
    assert await _record_due(runtime) == 0
    assert await _checkins(runtime) == []
    clock.advance(seconds=1)
    assert await _record_due(runtime) == 1
    ((row, payload),) = await _checkins(runtime)
    assert row.unfinished
    assert payload == {"cards": ["worried"], "amount": "a_lot", "help": None, "words": None}
    ((message_row, message),) = await outbox(runtime, chat_id=KEYWORKER_CHAT)
    assert message_row.kind == "checkin"
    assert "Unfinished check-in from Sam" in message.text and "Worried (a lot)" in message.text
    clock.advance(hours=2)
    assert await _record_due(runtime) == 0  # recorded once, not again

    # Sam comes back later and finishes the same check-in.
    assert sam.screen.name == "checkin.help"
    await sam.tap("Just sit with me")
    await sam.send("it was a long day")
    assert "Alex will see this" in sam.screen.text
    ((again, payload),) = await _checkins(runtime)
    assert again.id == row.id and not again.unfinished
    assert payload == {"cards": ["worried"], "amount": "a_lot", "help": "sit",
                       "words": "it was a long day"}
    texts = [m.text for _, m in await outbox(runtime, chat_id=KEYWORKER_CHAT)]
    assert len(texts) == 2
    assert any("finished the check-in they started earlier" in t and "long day" in t
               for t in texts)


async def test_the_silence_window_is_set_per_service(
    runtime: Runtime, cast: Cast, clock: FrozenClock
) -> None:
    await make_team(runtime, cast)
    async with runtime.db.transaction() as session:
        await set_unfinished_minutes(session, cast.service_name, 10, clock.now())
    sam = await consented(runtime, cast)
    await sam.command("checkin")
    await sam.tap("Sad")
    clock.advance(minutes=9)
    await sam.tap("Tired")  # still here: the silence starts again
    clock.advance(minutes=9, seconds=59)
    assert await _record_due(runtime) == 0
    clock.advance(seconds=1)
    assert await _record_due(runtime) == 1
    ((row, payload),) = await _checkins(runtime)
    assert row.unfinished and payload["cards"] == ["sad", "tired"] and payload["amount"] is None


async def test_nothing_chosen_is_nothing_to_record(
    runtime: Runtime, cast: Cast, clock: FrozenClock
) -> None:
    await make_team(runtime, cast)
    sam = await consented(runtime, cast)
    await sam.command("checkin")
    await sam.tap("Happy")
    await sam.tap("Happy")  # and off again
    clock.advance(hours=1)
    assert await _record_due(runtime) == 0
    assert await _checkins(runtime) == []


async def test_moving_on_from_a_checkin_keeps_what_was_chosen(
    runtime: Runtime, cast: Cast
) -> None:
    await make_team(runtime, cast)
    sam = await consented(runtime, cast)
    await sam.command("checkin")
    await sam.tap("Lonely")
    await sam.command("listened")
    ((row, payload),) = await _checkins(runtime)
    assert row.unfinished and payload["cards"] == ["lonely"]


async def test_urgent_card_alerts_at_the_tap_once_and_a_silence_joins_the_alert(
    runtime: Runtime, cast: Cast, clock: FrozenClock
) -> None:
    await make_team(runtime, cast)
    sam = await consented(runtime, cast)
    await sam.command("checkin")
    await sam.tap("Scared")
    reply = await sam.tap("I need help now")
    # The crisis screen first, then the cards again to carry on with.
    assert [s.name for s in reply.screens] == ["flows.crisis", "checkin.cards"]
    assert not reply.in_place
    assert "carry on with your check-in, or stop here" in reply.screens[0].text
    (alert,) = await _alerts(runtime)
    assert alert.checkin_id is None and alert.certainty == "certain"
    assert len(await outbox(runtime, chat_id=KEYWORKER_CHAT, kind="alert")) == 1

    await sam.tap("I need help now")  # off
    reply = await sam.tap("I need help now")  # on again: the same alert
    assert all(s.name != "flows.crisis" for s in reply.screens)
    assert len(await _alerts(runtime)) == 1

    clock.advance(minutes=30)
    assert await _record_due(runtime) == 1
    (alert,) = await _alerts(runtime)
    ((row, payload),) = await _checkins(runtime)
    assert alert.checkin_id == row.id and row.unfinished
    assert payload["cards"] == ["scared", "help_now"]
    sent = await outbox(runtime, chat_id=KEYWORKER_CHAT)
    assert sorted(r.kind for r, _ in sent) == ["alert", "alert_checkin"]
    assert any("stopped after the urgent alert" in m.text for _, m in sent)


async def test_reminders_only_where_they_can_be_delivered(runtime: Runtime, cast: Cast) -> None:
    web_only = FlowClient(runtime, cast.young_person_id, channel="web")
    await web_only.command("start")
    await web_only.tap("OK, let's go")
    assert "go:reminders" not in {c.id for c in web_only.screen.choices}
    await web_only.command("reminders")  # typed /reminders reaches the same place
    assert web_only.screen.name == "home"
    assert "only come through Telegram" in web_only.screen.text

    await make_team(runtime, cast)  # now Sam's Telegram is linked
    await web_only.command("home")
    assert "go:reminders" in {c.id for c in web_only.screen.choices}
    await web_only.command("reminders")
    assert web_only.screen.name == "reminders"


async def test_unfinished_pass_on_every_database(any_runtime: Runtime, clock: FrozenClock) -> None:
    # On PostgreSQL the pass locks the due rows with SKIP LOCKED (several schedulers).
    cast = await make_cast(any_runtime)
    await make_team(any_runtime, cast)
    sam = await consented(any_runtime, cast)
    await sam.command("checkin")
    await sam.tap("Angry")
    clock.advance(minutes=31)
    assert await _record_due(any_runtime) == 1
    assert await _record_due(any_runtime) == 0
    ((row, payload),) = await _checkins(any_runtime)
    assert row.unfinished and payload["cards"] == ["angry"]
