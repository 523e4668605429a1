"""The check-in spine once more through the whole service over HTTP: ``serve()``
polling a local Bot API server with the real aiogram client, the outbox sender
running alongside. The same journeys run in process in test_end_to_end.py."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import CheckIn
from tests.telegram.conftest import Service, link_everyone


async def test_checkin_reaches_keyworker_and_the_seen_comes_back(service: Service) -> None:
    api, cast = service.api, service.cast
    assert str(cast.young_person_codes["telegram_link"]).startswith(
        "https://t.me/heard_test_bot?start=")
    alex, sam = await link_everyone(service)
    commands = api.calls_to("setMyCommands")
    assert {c["command"] for c in commands[-1].params["commands"]} >= {
        "checkin", "listened", "help", "language", "pause"
    }

    await sam.send("/checkin")
    sheet = await sam.wait_for_message(lambda m: "photo" in m)
    assert "How are you feeling" in sheet["caption"]
    await sam.click("Worried")
    await sam.wait_for_message(lambda m: "\u2705 Worried" in str(m.get("reply_markup")))
    await sam.click("Done")
    await sam.wait_for_message("How much")
    await sam.click("A lot")
    await sam.wait_for_message("What would help")
    await sam.click("Just sit with me")
    await sam.wait_for_message("a few words")
    await sam.send("school was hard")
    await sam.wait_for_message("Alex will see this")

    note = await alex.wait_for_message(lambda m: "New check-in from Sam" in (m.get("caption") or ""))
    assert "school was hard" in note["caption"]
    await alex.click("Seen \u2714")
    await sam.wait_for_message("Alex has seen your check-in")
    await alex.wait_for_message(lambda m: "Seen by Alex" in str(m.get("reply_markup")))

    runtime = await service.runtime()
    try:
        async with runtime.db.transaction() as session:
            checkin = await session.scalar(select(CheckIn))
            assert checkin is not None and checkin.acknowledged_at is not None
            assert checkin.channel == "telegram"
    finally:
        await runtime.close()
