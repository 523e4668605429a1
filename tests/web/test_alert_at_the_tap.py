"""On the web too, an urgent card alerts at the tap: the whole service runs (web,
outbox sender, Bot API test server), a young person taps "I need help now" on their
phone and stops; the keyworker hears on Telegram at once. Finishing later joins the
same alert."""

from __future__ import annotations

import aiohttp
from core.clock import FrozenClock
from tests.support.web_client import WebPerson
from tests.telegram.conftest import Service, service  # noqa: F401 - the whole service
from tests.telegram.test_alert_at_the_tap import ALERT_BOUND, _rows, _said

KEYWORKER = 2001


def _base(service: Service) -> str:
    host, port = service.runner.addresses[0][:2]
    return f"http://{host}:{port}"


async def test_web_tap_and_stop_alerts_the_keyworker_then_finishing_joins(
    service: Service, clock: FrozenClock,  # noqa: F811
) -> None:
    api, cast = service.api, service.cast
    alex = api.user(KEYWORKER, first_name="Alex")
    await alex.send(f"/start {cast.staff_telegram_code}")
    await alex.wait_for_message("Hello Alex")
    async with aiohttp.ClientSession(base_url=_base(service),
                                     cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        sam = WebPerson(http)  # type: ignore[arg-type]
        await sam.set_pin(str(cast.young_person_codes["web_link"]), "2468")
        await sam.get("/me")
        await sam.tap("OK, let's go")
        await sam.tap("Show how I feel")

        await sam.tap("I need help now")
        # The alert was raised in the tap's own request and sent by the real sender.
        alert = await alex.wait_for_message(lambda m: "URGENT" in _said(m), timeout=ALERT_BOUND)
        assert "I need help now" in _said(alert)
        # The page right after the tap leads with the contacts, numbers written out,
        # and the cards are still there to carry on with.
        page = sam.text
        assert page.index("Call 0800 1111") < page.index("You did the right thing")
        assert 'href="tel:08001111"' in sam.html and 'href="sms:85258?body=SHOUT"' in sam.html
        for number in ("Text SHOUT to 85258", "Call 116 123", "Call 999"):
            assert number in page
        assert "How are you feeling?" in page and "Done" in page

        alerts, checkins = await _rows(service)
        assert len(alerts) == 1 and alerts[0].checkin_id is None and checkins == []

        # Tapping it off and on again is the same one alert.
        await sam.tap("I need help now")
        await sam.tap("I need help now")
        for label in ("Done", "A lot", "Talk to my keyworker", "Skip"):
            await sam.tap(label)
        assert "Alex will see this" in sam.text

    clock.advance(seconds=2)  # the sender paces each chat at one message a second
    await alex.wait_for_message(lambda m: "finished the check-in from the urgent alert"
                                in _said(m))
    alerts, checkins = await _rows(service)
    assert len(checkins) == 1 and checkins[0].channel == "web"
    assert len(alerts) == 1 and alerts[0].checkin_id == checkins[0].id
    assert len([m for m in api.messages(KEYWORKER) if "URGENT" in _said(m)]) == 1
