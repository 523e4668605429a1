"""The crisis screen in real headless Chromium, on the whole running service: an
urgent card tapped on a phone alerts the keyworker at the tap and puts the contacts
first; on a unit tablet the numbers are there to read out, not as dead links."""

from __future__ import annotations

from sqlalchemy import select

from core.clock import FrozenClock
from storage.models import Alert, CheckIn
from tests.support.live_server import live_server
from tests.support.people import Cast
from tests.telegram.conftest import Service, service  # noqa: F401 - the whole service
from tests.telegram.test_alert_at_the_tap import ALERT_BOUND, _rows, _said
from tests.web.test_browser import (  # noqa: F401 - the browser fixture
    DOCS,
    PHONE,
    SHOOT,
    TABLET,
    _set_pin_on,
    _tablet_person,
    browser,
    pytestmark,
    web_path,
)

KEYWORKER = 2001
NARROW = {"width": 195, "height": 844}


async def _no_sideways_scroll(page) -> bool:  # type: ignore[no-untyped-def]
    return await page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth")


async def test_phone_tap_alerts_at_once_and_the_contacts_come_first(
    service: Service, clock: FrozenClock, browser,  # noqa: F811
) -> None:
    api, cast = service.api, service.cast
    alex = api.user(KEYWORKER, first_name="Alex")
    await alex.send(f"/start {cast.staff_telegram_code}")
    await alex.wait_for_message("Hello Alex")
    host, port = service.runner.addresses[0][:2]
    base = f"http://{host}:{port}"
    context = await browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                        has_touch=True)
    page = await context.new_page()
    try:
        await _set_pin_on(page, base, str(cast.young_person_codes["web_link"]), "2468")
        await page.click("text=Go to my check-in")
        await page.click("text=OK, let's go")
        await page.click("text=Show how I feel")
        await page.click("button.card:has-text('Scared')")
        await page.wait_for_selector("button.card.picked:has-text('Scared'):not(.pending)")

        await page.click("button.card:has-text('I need help now')")
        alert = await alex.wait_for_message(lambda m: "URGENT" in _said(m), timeout=ALERT_BOUND)
        assert "I need help now" in _said(alert)
        await page.wait_for_selector(".crisis a.contact[href='tel:08001111']")
        # First and clearest: the contacts sit above the message, on the first screen.
        contacts = await page.locator(".urgent .crisis").bounding_box()
        message = await page.locator(".urgent .panel").bounding_box()
        childline = await page.locator("a.contact[href='tel:08001111']").bounding_box()
        assert contacts and message and childline
        assert contacts["y"] < message["y"]
        assert childline["y"] + childline["height"] <= PHONE["height"]
        for number in ("Call 0800 1111", "Text SHOUT to 85258", "Call 116 123", "Call 999"):
            assert await page.locator(f".contact-number:has-text('{number}')").is_visible()
        assert await page.locator(".contact-text svg").count() == 1  # the text symbol
        assert await page.locator(".contact-call svg").count() == 3  # the call symbols
        if SHOOT:
            await page.screenshot(path=str(DOCS / "web-crisis.png"))
        await page.set_viewport_size(NARROW)
        assert await _no_sideways_scroll(page)
        await page.set_viewport_size(PHONE)

        alerts, checkins = await _rows(service)
        assert len(alerts) == 1 and checkins == []

        # Sam carries on: the check-in joins the same alert.
        await page.click("button:has-text('Done')")
        await page.click("text=A lot")
        await page.click("text=Talk to my keyworker")
        await page.click("button:has-text('Skip')")
        await page.wait_for_selector("text=Alex will see this")
        # The thank-you is quieter than the contacts above it, and no longer "news".
        assert await page.locator(".after-crisis .news").count() == 0
        assert await page.locator(".after-crisis .button.primary").count() == 0
    finally:
        await context.close()
    clock.advance(seconds=2)  # the sender paces each chat at one message a second
    await alex.wait_for_message(lambda m: "finished the check-in from the urgent alert"
                                in _said(m))
    alerts, checkins = await _rows(service)
    assert len(checkins) == 1 and len(alerts) == 1 and alerts[0].checkin_id == checkins[0].id
    assert len([m for m in api.messages(KEYWORKER) if "URGENT" in _said(m)]) == 1


async def test_tablet_shows_numbers_to_read_out(runtime, cast: Cast, browser) -> None:  # noqa: F811
    from domain.tablets import create_enrolment

    link = await _tablet_person(runtime, cast, "Jo")
    async with runtime.db.transaction() as session:
        enrolment = await create_enrolment(session, service_name=cast.service_name, unit="Oak",
                                           now=runtime.clock.now(),
                                           public_url=runtime.settings.public_url)
    async with live_server(runtime) as base:
        setup = await browser.new_context(viewport=PHONE)
        await _set_pin_on(await setup.new_page(), base, link, "3972")
        await setup.close()
        context = await browser.new_context(viewport=TABLET, has_touch=True)
        page = await context.new_page()
        try:
            await page.goto(base + web_path(enrolment["enrol_url"]))
            await page.click("button:has-text('Set up this tablet')")
            await page.click(".face:has-text('Jo')")
            await page.fill("#pin", "3972")
            await page.click("button:has-text('Go')")
            await page.click("text=OK, let's go")
            await page.click("text=Show how I feel")
            await page.click("button.card:has-text('I need help now')")
            await page.wait_for_selector(".crisis .contact.no-call")
            assert await page.locator("a[href^='tel:'], a[href^='sms:']").count() == 0
            assert await page.locator("text=This tablet can't make calls").is_visible()
            assert await page.locator(".contact-number:has-text('Call 0800 1111')").is_visible()
            if SHOOT:
                await page.screenshot(path=str(DOCS / "web-crisis-tablet.png"))
        finally:
            await context.close()
    async with runtime.db.transaction() as session:
        assert len((await session.scalars(select(Alert))).all()) == 1
        assert (await session.scalars(select(CheckIn))).all() == []
