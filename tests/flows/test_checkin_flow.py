"""The check-in conversation, driven without any network."""

from __future__ import annotations

from sqlalchemy import func, select

from domain.runtime import Runtime
from storage.models import CheckIn, OutboxMessage
from tests.support.flow_client import FlowClient
from tests.support.people import Cast, load_person


async def consented(runtime: Runtime, cast: Cast) -> FlowClient:
    client = FlowClient(runtime, cast.young_person_id)
    await client.command("start")
    assert client.screen.name == "welcome"
    await client.tap("OK, let's go")
    return client


async def test_welcome_comes_before_anything_else(runtime: Runtime, cast: Cast) -> None:
    client = FlowClient(runtime, cast.young_person_id)
    await client.command("checkin")
    screen = client.screen
    assert screen.name == "welcome"
    assert "Alex" in screen.text  # who sees what they tap
    assert "totals" in screen.text and "never your name" in screen.text
    assert "locked (encrypted)" in screen.text
    assert "not safe" in screen.text
    assert "stop any time" in screen.text
    await client.tap("OK, let's go")
    # They asked for a check-in: after the welcome, that is where they land.
    assert client.screen.name == "checkin.cards"
    assert (await load_person(runtime, cast.young_person_id)).consented_at is not None


async def test_full_checkin_stores_encrypted_and_notifies_keyworker(
    runtime: Runtime, cast: Cast
) -> None:
    client = await consented(runtime, cast)
    await client.command("checkin")
    assert len(client.screen.sheet) >= 14
    await client.tap("Worried")
    await client.tap("Tired")
    assert client.last.in_place
    assert {c.card_id for c in client.screen.choices if c.selected} == {"worried", "tired"}
    await client.tap("Done")
    assert client.screen.name == "checkin.amount"
    await client.tap("A lot")
    await client.tap("Just sit with me")
    assert client.screen.text_input is not None
    await client.send("school was hard")
    assert "Alex will see this" in client.screen.text
    async with runtime.db.transaction() as session:
        rows = (await session.scalars(select(CheckIn))).all()
        assert len(rows) == 1
        payload = await runtime.vault.open(session, cast.young_person_id, "checkins", rows[0].id,
                                           rows[0].payload_ct)
        assert payload == {"cards": ["worried", "tired"], "amount": "a_lot", "help": "sit",
                           "words": "school was hard"}
        assert b"school" not in rows[0].payload_ct
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


async def test_four_cards_is_one_too_many(runtime: Runtime, cast: Cast) -> None:
    client = await consented(runtime, cast)
    await client.command("checkin")
    for label in ("Happy", "Calm", "Proud"):
        await client.tap(label)
    await client.tap("Excited")
    assert "up to 3" in (client.last.notice or "")
    assert sum(c.selected for c in client.screen.choices) == 3


async def test_done_with_no_card_is_a_gentle_not_yet(runtime: Runtime, cast: Cast) -> None:
    client = await consented(runtime, cast)
    await client.command("checkin")
    await client.tap("Done")
    assert client.screen.name == "checkin.cards"
    assert "at least one card" in (client.last.notice or "")


async def test_stale_and_forged_taps_are_refused_kindly(runtime: Runtime, cast: Cast) -> None:
    client = await consented(runtime, cast)
    await client.command("checkin")
    old_token = client.screen.token
    await client.tap("Sad")
    await client.tap("Done")
    await client.tap_raw(old_token, "c:happy")
    assert "from before" in (client.last.notice or "")
    assert client.screen.name == "checkin.amount"
    await client.tap_raw(client.screen.token, "c:not-a-card")
    assert "doesn't work here" in (client.last.notice or "")
    assert client.screen.name == "checkin.amount"


async def test_sticker_and_long_text_keep_the_step(runtime: Runtime, cast: Cast) -> None:
    client = await consented(runtime, cast)
    await client.command("checkin")
    await client.send_unusable("sticker")
    assert client.last.notice and not client.last.screens
    await client.tap("Sad")
    await client.tap("Done")
    await client.tap("A little")
    await client.tap("Some space")
    await client.send("x" * 5000)
    assert "under 500" in (client.last.notice or "")
    await client.tap("Skip")
    assert "will see this" in client.screen.text


async def test_state_survives_a_restart(runtime: Runtime, cast: Cast, settings, clock) -> None:  # type: ignore[no-untyped-def]
    client = await consented(runtime, cast)
    await client.command("checkin")
    await client.tap("Angry")
    await client.tap("Done")
    await runtime.close()
    fresh = await Runtime.open(settings, clock=clock)
    try:
        again = FlowClient(fresh, cast.young_person_id, channel="web")
        await again.command("checkin")  # carries on, even on another channel
        assert again.screen.name == "checkin.amount"
        assert "Angry" in again.screen.text
    finally:
        await fresh.close()
