"""Help, pause and "did you feel listened to?" as flows."""

from __future__ import annotations

from sqlalchemy import select

from domain.runtime import Runtime
from storage.models import KpiCount, ListenedAnswer
from tests.flows.test_checkin_flow import consented
from tests.support.people import Cast, load_person


async def test_help_says_what_heard_does_and_who_to_contact(runtime: Runtime, cast: Cast) -> None:
    client = await consented(runtime, cast)
    await client.command("help")
    text = client.screen.text
    assert "picture cards" in text
    assert "Alex" in text
    for contact in ("Childline 0800 1111", "SHOUT to 85258", "Samaritans 116 123", "999"):
        assert contact in text


async def test_pause_until_they_come_back(runtime: Runtime, cast: Cast) -> None:
    client = await consented(runtime, cast)
    await client.command("pause")
    assert "paused" in client.screen.text
    assert (await load_person(runtime, cast.young_person_id)).paused is True
    await client.command("checkin")
    assert (await load_person(runtime, cast.young_person_id)).paused is False


async def test_listened_answer_is_private_and_counted_without_a_name(
    runtime: Runtime, cast: Cast
) -> None:
    client = await consented(runtime, cast)
    await client.command("listened")
    assert [c.label for c in client.screen.choices][:2] == ["My keyworker", "My social worker"]
    await client.tap("My mental health worker (CAMHS)")
    faces = [c.label.split(" ", 1)[0] for c in client.screen.choices]
    assert len(set(faces)) == 5  # a different face on every answer
    await client.tap("A little")
    async with runtime.db.transaction() as session:
        stored = (await session.scalars(select(ListenedAnswer))).all()
        kpi = (await session.scalars(select(KpiCount))).all()
        assert len(stored) == 1 and b"camhs" not in stored[0].payload_ct
        assert [(k.question, k.answer, k.month, k.count) for k in kpi] == [
            ("listened:camhs", "a_little", "2026-11", 1)
        ]
        # Counted, not stored one by one: no person, no time, no order of answers.
        columns = set(KpiCount.__table__.columns.keys())
        assert columns == {"service_id", "month", "question", "answer", "count"}


async def test_words_where_a_tap_is_expected(runtime: Runtime, cast: Cast) -> None:
    client = await consented(runtime, cast)
    await client.send("hello")
    assert client.last.notice == "Please tap one of the buttons."
    assert client.screen.name == "home"
