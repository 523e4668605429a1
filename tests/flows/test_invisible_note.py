"""A note made only of characters that take no space on screen (zero-width spaces,
joiners, word joiners, byte-order marks, with blanks) is no note, on Telegram and
on the web alike (issue 11, item 13)."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from domain.runtime import Runtime
from storage.models import CheckIn, OutboxMessage
from tests.support.flow_client import FlowClient
from tests.support.people import Cast
from tests.support.web_client import WebPerson
from web.app import init_app

INVISIBLE_NOTE = " \u200b\u200c \u200d\u2060\ufeff\n\u200b "
STEPS = ("OK, let's go", "Show how I feel", "Worried", "Done", "A lot", "Just sit with me")


async def _stored(runtime: Runtime, person_id: str) -> tuple[list[object], list[str]]:
    async with runtime.db.transaction() as session:
        rows = (await session.scalars(select(CheckIn).where(CheckIn.young_person_id == person_id))).all()
        words = [(await runtime.vault.open(session, person_id, "checkins", r.id, r.payload_ct))["words"]
                 for r in rows]
        sent = (await session.scalars(select(OutboxMessage).where(
            OutboxMessage.key_owner == person_id, OutboxMessage.kind == "checkin"))).all()
        texts = [(await runtime.vault.open(session, person_id, "outbox", m.id, m.payload_ct))["text"]
                 for m in sent]
    return words, texts


async def _keyworker_on_telegram(runtime: Runtime, cast: Cast) -> None:
    from storage.models import Staff

    async with runtime.db.transaction() as session:
        staff = await session.get(Staff, cast.keyworker_id)
        assert staff is not None
        staff.telegram_chat_id = 4242


async def test_invisible_note_on_telegram_is_no_note(runtime: Runtime, cast: Cast) -> None:
    await _keyworker_on_telegram(runtime, cast)
    client = FlowClient(runtime, cast.young_person_id, channel="telegram")
    await client.command("start")
    for label in STEPS:
        await client.tap(label)
    await client.send(INVISIBLE_NOTE)
    assert "Alex will see this" in client.screen.text
    words, texts = await _stored(runtime, cast.young_person_id)
    assert words == [None]
    assert texts and not any("In their words" in t for t in texts)


async def test_invisible_note_on_the_web_is_no_note(runtime: Runtime, cast: Cast) -> None:
    await _keyworker_on_telegram(runtime, cast)
    async with TestClient(TestServer(init_app(runtime))) as client:
        person = WebPerson(client)
        await person.set_pin(str(cast.young_person_codes["web_link"]), "4826")
        await person.get("/me")
        for label in STEPS:
            await person.tap(label)
        await person.words(INVISIBLE_NOTE)
        assert "Alex will see this" in person.text
    words, texts = await _stored(runtime, cast.young_person_id)
    assert words == [None]
    assert texts and not any("In their words" in t for t in texts)


def test_visible_words_keep_their_joiners() -> None:
    from flows.inputs import note_or_none

    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one emoji held by joiners
    assert note_or_none(f"\u200b {family} ok\ufeff ") == f"{family} ok"
    assert note_or_none("\u2060") is None and note_or_none("   ") is None
    assert note_or_none(" school was hard ") == "school was hard"
