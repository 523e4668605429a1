"""A lead in real headless Chromium: signs in with the second step, opens "Felt listened
to", sees the chart, downloads the CSV; its numbers match `report kpi --json`. axe-core
checks the page and the commissioner's."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.runtime import Runtime
from tests.support.desk import NEW_PASSWORD, make_staff, totp_now
from tests.support.live_server import live_server
from tests.support.people import Cast
from tests.web.kpi_support import NATIONAL, add_counts, cli_report, make_service, read_csv
from tests.web.test_browser import CHROMIUM, browser  # noqa: F401
from tests.web.test_desk_browser import DESKTOP, SHOOT, assert_accessible

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"{CHROMIUM} is missing (apt-get install chromium)")
DOCS = Path(__file__).resolve().parent.parent.parent / "docs"


async def _sign_in(page, base: str, runtime: Runtime, email: str, password: str,  # type: ignore[no-untyped-def]
                   staff_id: str) -> None:
    await page.goto(base + "/staff")
    await page.fill("#email", email)
    await page.fill("#password", password)
    await page.click("button:has-text('Sign in')")
    await page.fill("#new", NEW_PASSWORD)
    await page.fill("#again", NEW_PASSWORD)
    await page.click("button:has-text('Save my password')")
    await page.wait_for_selector("text=Set up your second step")
    await page.fill("#code", await totp_now(runtime, staff_id))
    await page.click("button:has-text('Carry on')")


async def test_a_lead_views_the_chart_and_downloads_the_csv_matching_the_cli(
    runtime: Runtime, cast: Cast, browser, tmp_path: Path  # noqa: F811
) -> None:
    await add_counts(runtime, "North", "2026-10", "listened:keyworker", NATIONAL)
    await add_counts(runtime, "North", "2026-09", "listened:camhs",
                     {"not_at_all": 5, "mostly": 10, "totally": 6})
    await add_counts(runtime, "North", "2026-08", "listened:home", {"mostly": 2})
    await add_counts(runtime, "North", "2026-10", "satisfaction", {"good": 20, "bad": 10})
    lead = await make_staff(runtime, service=cast.service_name, name="Lee Lead",
                            email="lee@north.example", role="lead")
    async with live_server(runtime) as base:
        context = await browser.new_context(viewport=DESKTOP, accept_downloads=True)
        page = await context.new_page()
        await _sign_in(page, base, runtime, lead.email, lead.password, lead.staff_id)
        await page.wait_for_selector("h1:has-text('Your service')")
        await page.click("nav a:has-text('Felt listened to')")
        await page.wait_for_selector("h1:has-text('Felt listened to: North')")
        chart = page.locator("figure.kpi-chart svg[role=img]")
        assert await chart.count() == 1
        box = await chart.bounding_box()
        assert box and box["width"] > 400 and box["height"] > 150  # drawn, not collapsed
        assert await page.locator("polyline.listened").count() == 1  # Aug is a gap
        assert await page.locator("line.reference").count() == 1
        # Oct (132 of 156) and Sep (16 of 21) together: 148 of 177 = 83.6%.
        assert await page.inner_text("[data-kpi=at-least-a-little]") == "84%"
        await assert_accessible(page, "KPI page")
        assert await page.inner_text("[data-kpi=changed]") == "0"
        # The lead's other pages: "You said, we did" and delete requests.
        await page.click("nav a:has-text('You said, we did')")
        await page.wait_for_selector("h1:has-text('You said, we did')")
        await assert_accessible(page, "you said, we did")
        await page.fill("#note", "Pizza night is every Friday now")
        await page.click("button:has-text('Post it')")
        await page.wait_for_selector("text=Pizza night is every Friday now")
        await assert_accessible(page, "you said, we did with a note")
        await page.click("nav a:has-text('Data requests')")
        await page.wait_for_selector("h1")
        await assert_accessible(page, "data requests")
        await page.click("nav a:has-text('Felt listened to')")
        await page.wait_for_selector("h1:has-text('Felt listened to: North')")
        if SHOOT:
            await page.screenshot(path=str(DOCS / "kpi-lead.png"), full_page=True)
        async with page.expect_download() as waiting:
            await page.click("a:has-text('Download the table (CSV)')")
        download = await waiting.value
        saved = tmp_path / download.suggested_filename
        await download.save_as(saved)
        await context.close()
    rows = read_csv(saved.read_bytes())
    header, body = rows[0], rows[1:]
    by_month = {r[1]: dict(zip(header, r, strict=True)) for r in body if r[2] == "Everyone"}
    report = cli_report(runtime, tmp_path, "--service", "North", "--from",
                        min(m for m in by_month if "\u2013" not in m),
                        "--to", "2026-11")
    total = next(v for k, v in by_month.items() if "\u2013" in k)
    assert total["Answers"] == str(report["listened_to"]["total"])
    assert total["At least a little listened to (%)"] == f'{report["listened_to"]["percent_at_least_a_little"]}%'
    assert total["Satisfied (%)"] == f'{report["satisfaction"]["percent_satisfied"]}%'
    for month in report["months"]:
        row = by_month[month["month"]]
        published = month["listened_to"]["total"]
        assert row["Answers"] == ("fewer than 5" if published is None else str(published))
    assert by_month["2026-08"]["Answers"] == "fewer than 5"


async def test_the_commissioner_page_is_accessible(
    runtime: Runtime, cast: Cast, browser  # noqa: F811
) -> None:
    from domain import admin

    await make_service(runtime, "South")
    await add_counts(runtime, "North", "2026-10", "listened:keyworker", NATIONAL)
    async with runtime.db.transaction() as session:
        made = await admin.create_staff(session, service_name=None, name="Cara C",
                                        email="cara@ics.example", role="commissioner",
                                        now=runtime.clock.now(), bot_username=None,
                                        services=("North", "South"))
    async with live_server(runtime) as base:
        context = await browser.new_context(viewport=DESKTOP)
        page = await context.new_page()
        await _sign_in(page, base, runtime, "cara@ics.example", str(made["password"]),
                       str(made["staff_id"]))
        await page.wait_for_selector("h1:has-text('your services')")
        await assert_accessible(page, "commissioner page")
        await context.close()
