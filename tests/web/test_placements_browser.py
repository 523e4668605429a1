"""In real Chromium: placement staff write the booklet and add a bedroom photo; the
young person opens "My next home" on a phone, reads it page by page with the photo,
asks a question; staff answer on the desk and the answer is on the young person's
page. Pages are checked with axe-core."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from domain.runtime import Runtime
from domain.moves import tell_planned
from domain.placements import plan_move
from storage.models import Placement, Staff
from tests.support.desk import NEW_PASSWORD, make_staff
from tests.support.live_server import live_server
from tests.support.people import Cast
from tests.support.photos import photo_with_everything
from tests.web.test_browser import DOCS, PHONE, SHOOT, browser, pytestmark, web_path  # noqa: F401
from tests.web.test_desk_browser import DESKTOP, assert_accessible


async def test_booklet_and_question_in_the_browser(
    runtime: Runtime, cast: Cast, browser, tmp_path: Path  # noqa: F811
) -> None:
    member = await make_staff(runtime, service=cast.service_name, name="Pat Lee",
                              email="pat@north.example", role="placement")
    photo = tmp_path / "bedroom.jpg"
    photo.write_bytes(photo_with_everything(size=(1600, 1200)))
    async with live_server(runtime) as base:
        staff_context = await browser.new_context(viewport=DESKTOP)
        desk = await staff_context.new_page()
        await desk.goto(base + "/staff")
        await desk.fill("#email", member.email)
        await desk.fill("#password", member.password)
        await desk.click("button:has-text('Sign in')")
        await desk.fill("#new", NEW_PASSWORD)
        await desk.fill("#again", NEW_PASSWORD)
        await desk.click("button:has-text('Save my password')")
        await desk.wait_for_selector("h1:has-text('Placements')")
        await desk.fill("#name", "Oak House")
        await desk.fill("#kind", "Children's home")
        await desk.fill("#description", "A calm house with a garden.")
        await desk.click("button:has-text('Add')")
        await desk.wait_for_selector("h1:has-text('Welcome booklet: Oak House')")
        bedroom = desk.locator("section:has(h2:has-text('Your bedroom'))")
        await bedroom.locator("textarea[name=body]").fill(
            "Your room is upstairs. It gets the morning sun.")
        await bedroom.locator("button:has-text('Save text')").click()
        await desk.wait_for_selector("text=Saved in the draft")
        bedroom = desk.locator("section:has(h2:has-text('Your bedroom'))")
        await bedroom.locator("input[name=alt]").fill("A bed with a blue cover by a window")
        await bedroom.locator("input[type=file]").set_input_files(str(photo))
        await bedroom.locator("button:has-text('Add photo')").click()
        await desk.wait_for_selector("text=Photo added")
        await assert_accessible(desk, "booklet editor")
        if SHOOT:
            await desk.screenshot(path=str(DOCS / "placements-editor.png"))
        await desk.click("button:has-text('Publish this draft')")
        await desk.wait_for_selector("text=Published.")

        async with runtime.db.transaction() as session:
            placement = await session.scalar(select(Placement))
            alex = await session.get(Staff, cast.keyworker_id)
            assert placement is not None and alex is not None
            move = await plan_move(session, runtime.vault, by=alex,
                                   young_person_id=cast.young_person_id,
                                   placement_id=placement.id,
                                   move_date=runtime.clock.now().date() + timedelta(days=7),
                                   note="We'll visit on Tuesday", now=runtime.clock.now())
            await tell_planned(session, runtime.vault, move, runtime.clock.now())

        phone = await browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                          has_touch=True)
        page = await phone.new_page()
        await page.goto(base + web_path(cast.young_person_codes["web_link"]))
        await page.fill("#pin", "2468")
        await page.fill("#pin2", "2468")
        await page.click("text=Save my PIN")
        await page.click("text=Go to my check-in")
        await page.click("a:has-text('My next home')")
        await page.wait_for_selector("h1:has-text('Your bedroom')")
        image = page.locator("img[alt='A bed with a blue cover by a window']")
        # Wait for the picture itself, not only the page: decode() settles once it is loaded.
        assert await image.evaluate("img => img.decode().then(() => img.naturalWidth)") == 1200
        await assert_accessible(page, "my next home")
        if SHOOT:
            await page.screenshot(path=str(DOCS / "placements-next-home-phone.png"), full_page=True)
        await page.fill("#question", "Can I bring my guitar?")
        await page.click("button:has-text('Send')")
        await page.wait_for_selector("text=Your question has been sent")

        await desk.goto(base + "/staff/placements")
        await desk.fill("textarea[name=answer]", "Yes! We love music.")
        await desk.click("button:has-text('Send answer')")
        await desk.wait_for_selector("text=Answer sent")

        await page.goto(base + "/me/next-home")
        await page.wait_for_selector("text=Yes! We love music.")
        await staff_context.close()
        await phone.close()
