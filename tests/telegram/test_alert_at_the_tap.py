"""An urgent card alerts at the tap, through the real bot, sender and Bot API:
the young person may stop right there and the keyworker still hears at once.
Finishing later joins the same alert."""

from __future__ import annotations

from sqlalchemy import select

from core.clock import FrozenClock
from storage.models import Alert, CheckIn
from tests.telegram.conftest import Service, link_everyone

ALERT_BOUND = 5.0  # seconds from the tap to the keyworker's alert


def _said(message: dict) -> str:
    return message.get("text") or message.get("caption") or ""


async def _rows(service: Service) -> tuple[list[Alert], list[CheckIn]]:
    runtime = await service.runtime()
    try:
        async with runtime.db.transaction() as session:
            return (list((await session.scalars(select(Alert))).all()),
                    list((await session.scalars(select(CheckIn))).all()))
    finally:
        await runtime.close()


async def test_tap_and_stop_alerts_the_keyworker_then_finishing_joins_that_alert(
    service: Service, clock: FrozenClock,
) -> None:
    api = service.api
    alex, sam = await link_everyone(service)
    await sam.send("/checkin")
    await sam.wait_for_message(lambda m: "photo" in m)

    mark = api.mark()
    await sam.click("I need help now")
    # The keyworker's alert goes through the outbox and the real sender, at the tap:
    # no "Done", no "how much". (The 5-second bound is the wait itself.)
    alert = await alex.wait_for_message(lambda m: "URGENT" in _said(m), timeout=ALERT_BOUND)
    assert "Sam tapped \u201cI need help now\u201d" in _said(alert)

    # Sam saw the crisis contacts right after the tap, before anything else.
    crisis = await sam.wait_for_message("Childline", after=mark)
    text = _said(crisis)
    for number in ("0800 1111", "85258", "116 123", "999"):
        assert number in text
    assert text.index("Childline") < text.index("You did the right thing")
    assert "\U0001f4de" in text and "\U0001f4ac" in text  # call and text symbols
    assert "carry on with your check-in, or stop here" in text
    # ...and the cards are still there to carry on with, after the crisis message.
    sheet = await sam.wait_for_message(lambda m: "photo" in m and "\u2705 I need help now"
                                       in str(m.get("reply_markup")), after=mark)
    assert sheet["message_id"] > crisis["message_id"]

    alerts, checkins = await _rows(service)
    assert len(alerts) == 1 and alerts[0].checkin_id is None and checkins == []

    # Sam carries on and finishes.
    await sam.click("Done")
    await sam.wait_for_message("How much")
    await sam.click("A lot")
    await sam.wait_for_message("What would help")
    await sam.click("Talk to my keyworker")
    await sam.wait_for_message("a few words")
    await sam.click("Skip")
    await sam.wait_for_message("Alex will see this")
    clock.advance(seconds=2)  # the sender paces each chat at one message a second
    follow_up = await alex.wait_for_message(
        lambda m: "finished the check-in from the urgent alert" in _said(m))
    assert "Talk to my keyworker" in _said(follow_up)

    alerts, checkins = await _rows(service)
    assert len(checkins) == 1
    assert len(alerts) == 1 and alerts[0].checkin_id == checkins[0].id
    urgent = [m for m in api.messages(alex.id) if "URGENT" in _said(m)]
    assert len(urgent) == 1  # one alert, never a second
