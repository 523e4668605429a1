"""In real Chromium, the two desk pages whose reading changed: the placement's buddies
(residents and their answers, an arrival and their buddy) and the lead's delete
requests. At 390 px and at 195 px (a phone at 200% zoom), axe-core, no sideways
scroll, and a keyboard-only pass with clear focus rings."""

from __future__ import annotations

from domain import buddies, my_data
from domain.runtime import Runtime
from storage.models import Staff, YoungPerson
from tests.support.buddies import make_world
from tests.support.desk import NEW_PASSWORD, first_password, make_staff
from tests.support.live_server import live_server
from tests.web.test_browser import DOCS, SHOOT, browser, pytestmark  # noqa: F401
from tests.web.test_kpi_browser import _sign_in
from tests.web.test_young_person_a11y import check_page, focus_rings_are_clear

PHONE = {"width": 390, "height": 800}


async def test_buddies_and_delete_requests_on_a_phone(runtime: Runtime, browser) -> None:  # noqa: F811
    w = await make_world(runtime)
    now = runtime.clock.now()
    async with runtime.db.transaction() as session:
        pat = await session.get(Staff, w.pat)
        robin = await session.get(YoungPerson, w.robin)
        sam = await session.get(YoungPerson, w.sam)
        assert pat is not None and robin is not None and sam is not None
        await buddies.ask(session, runtime.vault, by=pat, placement_id=w.placement_id,
                          young_person_id=w.robin, now=now)
        await buddies.answer(session, robin, yes=True, now=now)
        await buddies.choose(session, runtime.vault, by=pat, placement_id=w.placement_id,
                             move_id=w.move_id, buddy_id=w.robin, now=now, days=7)
        await my_data.ask_to_erase(session, runtime.vault, sam, channel="web", now=now,
                                   decision_days=30)
    lead = await make_staff(runtime, service=w.cast.service_name, name="Lee Lead",
                            email="lead@north.example", role="lead")
    pat_email = "pat@north.example"
    password = await first_password(runtime, pat_email)
    async with live_server(runtime) as base:
        context = await browser.new_context(viewport=PHONE, device_scale_factor=2,
                                            is_mobile=True, has_touch=True)
        page = await context.new_page()
        await page.goto(base + "/staff")
        await page.fill("#email", pat_email)
        await page.fill("#password", password)
        await page.click("button:has-text('Sign in')")
        await page.fill("#new", NEW_PASSWORD)
        await page.fill("#again", NEW_PASSWORD)
        await page.click("button:has-text('Save my password')")
        await page.wait_for_selector("h1:has-text('Placements')")
        buddies_part = page.locator("table.buddies")
        assert "Robin" in await buddies_part.inner_text()
        assert "Kim" in await buddies_part.inner_text()
        assert "Buddy: Robin" in await page.inner_text("main")
        await check_page(page, "placements with buddies")
        await focus_rings_are_clear(page, "placements with buddies")
        if SHOOT:
            await page.screenshot(path=str(DOCS / "desk-buddies-390.png"), full_page=True)
            await page.set_viewport_size({"width": 195, "height": 800})
            await page.screenshot(path=str(DOCS / "desk-buddies-195.png"), full_page=True)
        await context.close()

        context = await browser.new_context(viewport=PHONE, device_scale_factor=2,
                                            is_mobile=True, has_touch=True)
        page = await context.new_page()
        await _sign_in(page, base, runtime, lead.email, lead.password, lead.staff_id)
        await page.goto(base + "/staff/data-requests")
        await page.wait_for_selector("h1")
        assert "Sam" in await page.inner_text("main")
        await check_page(page, "delete requests")
        await focus_rings_are_clear(page, "delete requests")
        if SHOOT:
            await page.screenshot(path=str(DOCS / "desk-data-requests-390.png"), full_page=True)
            await page.set_viewport_size({"width": 195, "height": 800})
            await page.screenshot(path=str(DOCS / "desk-data-requests-195.png"), full_page=True)
        await context.close()
