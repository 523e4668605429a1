"""The web check-in in real headless Chromium: a phone, a shared tablet, a lock-out."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from core.clock import FrozenClock
from domain.runtime import Runtime
from domain import admin
from storage.models import CheckIn, YoungPerson
from tests.support.live_server import live_server
from tests.support.people import Cast

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DOCS = Path(__file__).resolve().parents[2] / "docs"
# Screenshots for docs/ are refreshed only when asked (HEARD_SCREENSHOTS=1).
SHOOT = os.environ.get("HEARD_SCREENSHOTS") == "1"
PHONE = {"width": 390, "height": 844}
TABLET = {"width": 1280, "height": 800}

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"{CHROMIUM} is missing (apt-get install chromium)")


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            await b.close()


def web_path(link: object) -> str:
    return "/" + str(link).split("/", 3)[3]


async def test_phone_sets_pin_and_checks_in(runtime: Runtime, cast: Cast, browser) -> None:
    async with live_server(runtime) as base:
        context = await browser.new_context(viewport=PHONE, device_scale_factor=2,
                                            is_mobile=True, has_touch=True)
        page = await context.new_page()
        try:
            await page.goto(base + web_path(cast.young_person_codes["web_link"]))
            await page.fill("#pin", "2468")
            await page.fill("#pin2", "2468")
            if SHOOT:
                await page.screenshot(path=str(DOCS / "web-phone-pin.png"))
            await page.click("text=Save my PIN")
            await page.wait_for_selector("text=Your PIN is saved")
            await page.click("text=Go to my check-in")
            await page.click("text=OK, let's go")
            await page.click("text=Show how I feel")
            await page.click("button.card:has-text('Worried')")
            await page.wait_for_selector("button.card.picked:has-text('Worried'):not(.pending)")
            await page.click("button.card:has-text('Tired')")
            await page.wait_for_selector("button.card.picked:has-text('Tired'):not(.pending)")
            if SHOOT:
                await page.locator("button.card:has-text('Bored')").scroll_into_view_if_needed()
                await page.screenshot(path=str(DOCS / "web-phone.png"))
            await page.click("button:has-text('Done')")
            await page.click("text=A lot")
            await page.click("text=Just sit with me")
            await page.fill("textarea[name=words]", "school was hard")
            await page.click("button:has-text('Send')")
            await page.wait_for_selector("text=Thank you. Alex will see this.")
            if SHOOT:
                await page.screenshot(path=str(DOCS / "web-phone-thanks.png"))
        finally:
            await context.close()
    async with runtime.db.transaction() as session:
        row = (await session.scalars(select(CheckIn))).one()
        payload = await runtime.vault.open(session, cast.young_person_id, "checkins", row.id,
                                           row.payload_ct)
    assert row.channel == "web"
    assert payload == {"cards": ["worried", "tired"], "amount": "a_lot", "help": "sit",
                       "words": "school was hard"}


async def _tablet_person(runtime: Runtime, cast: Cast, nickname: str) -> str:
    async with runtime.db.transaction() as session:
        made = await admin.create_young_person(
            session, runtime.vault, service_name=cast.service_name,
            keyworker_email=cast.keyworker_email, nickname=nickname, now=runtime.clock.now(),
            bot_username=None, public_url=runtime.settings.public_url, unit="Oak")
    return str(made["web_link"])


async def _set_pin_on(page, base: str, link: str, pin: str) -> None:  # type: ignore[no-untyped-def]
    await page.goto(base + web_path(link))
    await page.fill("#pin", pin)
    await page.fill("#pin2", pin)
    await page.click("text=Save my PIN")
    await page.wait_for_selector("text=Your PIN is saved")


async def test_tablet_two_young_people_one_after_the_other(
    runtime: Runtime, cast: Cast, browser
) -> None:
    from domain.tablets import create_enrolment

    links = {name: await _tablet_person(runtime, cast, name) for name in ("Jo", "Kai", "Rae")}
    async with runtime.db.transaction() as session:
        enrolment = await create_enrolment(session, service_name=cast.service_name, unit="Oak",
                                           now=runtime.clock.now(),
                                           public_url=runtime.settings.public_url)
    async with live_server(runtime) as base:
        # Staff help each young person make a PIN (in a separate browser).
        setup = await browser.new_context(viewport=PHONE)
        staff_page = await setup.new_page()
        for name, pin in (("Jo", "1471"), ("Kai", "2683"), ("Rae", "3691")):
            await _set_pin_on(staff_page, base, links[name], pin)
        await setup.close()

        context = await browser.new_context(viewport=TABLET, has_touch=True)
        page = await context.new_page()
        try:
            await page.goto(base + web_path(enrolment["enrol_url"]))
            await page.click("button:has-text('Set up this tablet')")
            await page.wait_for_selector("text=Who is checking in?")
            names = await page.locator(".face-name").all_inner_texts()
            assert names == ["Jo", "Kai", "Rae"]  # only the unit's young people; not Sam
            if SHOOT:
                await page.screenshot(path=str(DOCS / "web-tablet-start.png"))

            # Jo checks in.
            await page.click(".face:has-text('Jo')")
            await page.fill("#pin", "1471")
            await page.click("button:has-text('Go')")
            await page.click("text=OK, let's go")
            await page.click("text=Show how I feel")
            await page.click("button.card:has-text('Happy')")
            await page.wait_for_selector("button.card.picked:has-text('Happy'):not(.pending)")
            await page.click("button.card:has-text('Proud')")
            await page.wait_for_selector("button.card.picked:has-text('Proud'):not(.pending)")
            if SHOOT:
                await page.screenshot(path=str(DOCS / "web-tablet.png"))
            await page.click("button:has-text('Done')")
            await page.click("text=A little")
            await page.click("text=Talk to my keyworker")
            await page.fill("textarea[name=words]", "jo's secret words")
            await page.click("button:has-text('Send')")
            await page.wait_for_selector("text=Thank you. Alex will see this.")
            await page.click("button:has-text(\"I've finished\")")
            await page.wait_for_selector("text=Who is checking in?")

            # Back button: nothing of Jo comes back.
            await page.go_back()
            await page.wait_for_load_state()
            assert "Thank you" not in await page.content()
            assert "secret" not in await page.content()
            await page.goto(base + "/me")
            assert "Who is checking in?" in await page.content()

            # Kai starts a check-in and sees only Kai's own things.
            await page.click(".face:has-text('Kai')")
            await page.fill("#pin", "2683")
            await page.click("button:has-text('Go')")
            await page.wait_for_selector("text=Hi Kai!")
            content = await page.content()
            assert "Jo" not in content and "Happy" not in content and "secret" not in content
            await page.click("text=OK, let's go")
            await page.click("text=Show how I feel")
            assert await page.locator("button.card.picked").count() == 0
            autocompletes = await page.locator("form").evaluate_all(
                "fs => fs.map(f => f.getAttribute('autocomplete'))")
            assert set(autocompletes) <= {"off", None}
            # A quiet minute later the tablet is back at the start.
            clock = runtime.clock
            assert isinstance(clock, FrozenClock)
            clock.advance(seconds=91)
            await page.goto(base + "/me")
            await page.wait_for_selector("text=Who is checking in?")
        finally:
            await context.close()
    async with runtime.db.transaction() as session:
        people = {p.id: p for p in (await session.scalars(select(YoungPerson))).all()}
        rows = (await session.scalars(select(CheckIn))).all()
    assert len(rows) == 1 and people[rows[0].young_person_id].unit == "Oak"


async def test_five_wrong_pins_lock_the_link(runtime: Runtime, cast: Cast, browser) -> None:
    async with live_server(runtime) as base:
        context = await browser.new_context(viewport=PHONE)
        page = await context.new_page()
        try:
            await _set_pin_on(page, base, str(cast.young_person_codes["web_link"]), "2468")
            personal = await page.locator(".link-box a").inner_text()
            await page.click("button:has-text(\"I've finished\")") if await page.locator(
                "button:has-text(\"I've finished\")").count() else None
            await context.clear_cookies()
            path = web_path(personal)
            await page.goto(base + path)
            for _ in range(4):
                await page.fill("#pin", "0000")
                await page.click("button:has-text('Go')")
                await page.wait_for_selector("text=That PIN isn't right")
            await page.fill("#pin", "0000")
            await page.click("button:has-text('Go')")
            await page.wait_for_selector("text=Let's take a break")
            # Even the right PIN waits now.
            await page.goto(base + path)
            assert "Let's take a break" in await page.content()
            assert await page.locator("#pin").count() == 0
        finally:
            await context.close()
