"""Right-to-left pages in real Chromium: Arabic and Kurdish Sorani pages are mirrored
(the first card on the right), with the real catalogs when present, else small ones
made for the test."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.runtime import Runtime
from storage.models import YoungPerson
from tests.support.catalogs import shipped_catalogs  # noqa: F401
from tests.support.live_server import live_server
from tests.support.people import Cast
from tests.web.test_browser import DOCS, PHONE, SHOOT, browser, web_path  # noqa: F401

pytestmark = pytest.mark.skipif(not Path("/usr/bin/chromium").exists(),
                                reason="/usr/bin/chromium is missing")


@pytest.mark.parametrize("code", ["ar", "ckb"])
async def test_right_to_left_pages_are_mirrored(
    code: str, shipped_catalogs: Path, runtime: Runtime, cast: Cast, browser, tmp_path: Path  # noqa: F811, ANN001
) -> None:
    async with live_server(runtime) as base:
        context = await browser.new_context(viewport=PHONE, device_scale_factor=2,
                                            is_mobile=True, has_touch=True)
        page = await context.new_page()
        try:
            await page.goto(base + web_path(cast.young_person_codes["web_link"]))
            await page.fill("#pin", "2468")
            await page.fill("#pin2", "2468")
            await page.click("text=Save my PIN")
            await page.wait_for_selector("text=Your PIN is saved")
            async with runtime.db.transaction() as session:
                person = await session.get(YoungPerson, cast.young_person_id)
                assert person is not None
                person.locale = code
            await page.goto(base + "/me")
            assert await page.get_attribute("html", "dir") == "rtl"
            assert await page.get_attribute("html", "lang") == code
            await page.click("button[name=choice][value=ok]")
            await page.click("button[name=choice][value='go:checkin']")
            await page.wait_for_selector("button.card")
            cards = page.locator("button.card")
            first, second = await cards.nth(0).bounding_box(), await cards.nth(1).bounding_box()
            assert first is not None and second is not None
            # Mirrored: reading starts on the right, so the first card is right of the second.
            assert abs(first["y"] - second["y"]) < 2 and first["x"] > second["x"]
            assert await page.evaluate("getComputedStyle(document.body).direction") == "rtl"
            heading_box = await page.locator("main h1, main h2").first.bounding_box()
            assert heading_box is not None and heading_box["x"] + heading_box["width"] > PHONE["width"] / 2
            shot = tmp_path / f"web-rtl-{code}.png"
            await page.screenshot(path=str(shot))
            assert shot.stat().st_size > 10_000
            if SHOOT:
                await page.screenshot(path=str(DOCS / f"web-rtl-{code}.png"))
        finally:
            await context.close()


async def test_desk_languages_page_in_the_browser(
    shipped_catalogs: Path, runtime: Runtime, cast: Cast, browser  # noqa: F811, ANN001
) -> None:
    from tests.support.desk import make_staff
    from tests.web.test_desk_browser import _staff_with_totp, assert_accessible

    lead = await make_staff(runtime, service=cast.service_name, name="Lee Lead",
                            email="lee@north.example", role="lead")
    async with live_server(runtime) as base:
        context, page = await _staff_with_totp(browser, base, runtime, lead)
        try:
            await page.click("nav a:has-text('Languages')")
            await page.wait_for_selector("tr[data-locale=ti]")
            await page.click("tr[data-locale=ti] button:has-text('Switch off')")
            await page.wait_for_selector("text=Language switched off.")
            assert "Off" in await page.inner_text("tr[data-locale=ti] td:last-child")
            await assert_accessible(page, "desk languages")
            if SHOOT:
                await page.screenshot(path=str(DOCS / "desk-languages.png"), full_page=True)
        finally:
            await context.close()
