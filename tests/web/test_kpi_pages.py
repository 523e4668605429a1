"""The lead's and commissioner's "felt listened to" pages and CSV: the national
figure reproduced, small numbers hidden everywhere, each sees only their services."""

from __future__ import annotations

import re
from pathlib import Path

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from core.clock import FrozenClock
from domain.runtime import Runtime
from storage.models import AuditEntry
from tests.support.people import Cast
from tests.web.kpi_support import (
    NATIONAL,
    add_counts,
    cli_report,
    make_service,
    read_csv,
    service_id,
    signed_in,
)


def kpi(html: str, name: str) -> str:
    found = re.search(rf'data-kpi="{name}">(.*?)</dd>', html, re.S)
    assert found, name
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


async def lead_of(client: TestClient, runtime: Runtime, clock: FrozenClock, cast: Cast):  # type: ignore[no-untyped-def]
    return await signed_in(client, runtime, clock, service=cast.service_name,
                           email="lee@north.example", role="lead")


async def test_the_national_figure_on_the_page_in_the_csv_and_the_cli(
    client: TestClient, runtime: Runtime, cast: Cast, clock: FrozenClock, tmp_path: Path
) -> None:
    north = await add_counts(runtime, "North", "2026-10", "listened:keyworker", NATIONAL)
    lee = await lead_of(client, runtime, clock, cast)
    await lee.get("/staff/kpi")
    assert lee.url.endswith(f"/staff/services/{north}/kpi")
    assert kpi(lee.html, "at-least-a-little") == "85%"  # 132/156 = 84.6%
    assert kpi(lee.html, "answers") == "155"  # 156 rounded to the nearest 5
    assert kpi(lee.html, "totally") == "21%"  # 32/156 = 20.5%

    async with client.get(f"/staff/services/{north}/kpi.csv") as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/csv")
        assert "attachment" in resp.headers["Content-Disposition"]
        rows = read_csv(await resp.read())
    header, body = rows[0], rows[1:]
    total = next(r for r in body if "\u2013" in r[1] and r[2] == "Everyone")
    cells = dict(zip(header, total, strict=True))
    assert cells["At least a little listened to (%)"] == "85%"
    assert cells["Answers"] == "155"

    report = cli_report(runtime, tmp_path, "--service", "North")
    assert report["listened_to"]["percent_at_least_a_little"] == 85
    assert str(report["listened_to"]["total"]) == cells["Answers"]
    assert f'{report["listened_to"]["percent_totally"]}%' == cells["Yes, totally (%)"]
    month = next(r for r in body if r[1] == "2026-10")
    assert month[3] == str(report["months"][0]["listened_to"]["total"])


async def test_small_numbers_are_hidden_on_the_page_and_in_the_csv(
    client: TestClient, runtime: Runtime, cast: Cast, clock: FrozenClock
) -> None:
    north = await add_counts(runtime, "North", "2026-11", "listened:camhs",
                             {"not_at_all": 2, "mostly": 10, "totally": 10})
    await add_counts(runtime, "North", "2026-11", "satisfaction", {"good": 3})
    lee = await lead_of(client, runtime, clock, cast)
    await lee.get(f"/staff/services/{north}/kpi")
    assert lee.status == 200
    # 22 answers shows as 20; the 2 "not at all" would show in the percentage: hidden.
    assert kpi(lee.html, "answers") == "20"
    assert kpi(lee.html, "at-least-a-little") == "not shown (small numbers)"
    assert kpi(lee.html, "satisfied") == "not shown (small numbers)"
    assert "fewer than 5" in lee.text
    assert not re.findall(r"\b(?:2|3|22|91%)(?![\d-])", lee.text), lee.text
    async with client.get(f"/staff/services/{north}/kpi.csv?from=2026-11&to=2026-11") as resp:
        rows = read_csv(await resp.read())
    cells = [c for row in rows[1:] for c in row[3:]]
    assert "fewer than 5" in cells
    assert not {"2", "3", "22", "91%"} & set(cells)


async def test_a_lead_of_one_service_gets_404_for_another(
    client: TestClient, runtime: Runtime, cast: Cast, clock: FrozenClock
) -> None:
    south = await make_service(runtime, "South")
    await add_counts(runtime, "South", "2026-10", "listened:keyworker", NATIONAL)
    lee = await lead_of(client, runtime, clock, cast)
    for path in (f"/staff/services/{south}/kpi", f"/staff/services/{south}/kpi.csv",
                 "/staff/services/nonsense/kpi", "/staff/commissioner"):
        await lee.get(path)
        assert lee.status == 404 and "85%" not in lee.html, path
    async with runtime.db.transaction() as session:
        refused = (await session.scalars(select(AuditEntry).where(
            AuditEntry.action == "desk.refused"))).all()
    assert any(south in (r.detail or "") for r in refused)


async def test_an_odd_month_range_gets_a_kind_word_not_an_error(
    client: TestClient, runtime: Runtime, cast: Cast, clock: FrozenClock
) -> None:
    north = await service_id(runtime, "North")
    lee = await lead_of(client, runtime, clock, cast)
    await lee.get(f"/staff/services/{north}/kpi?from=last+year&to=%3Cb%3E")
    assert lee.status == 200
    assert "Months look like 2026-04" in lee.text
    await lee.get(f"/staff/services/{north}/kpi?from=2026-09&to=2026-03")  # swapped: fine
    assert lee.status == 200 and "Mar 2026 to Sept 2026" in lee.text


async def test_the_chart_is_svg_with_the_national_line_and_the_same_numbers_as_a_table(
    client: TestClient, runtime: Runtime, cast: Cast, clock: FrozenClock
) -> None:
    north = await add_counts(runtime, "North", "2026-10", "listened:keyworker", NATIONAL)
    await add_counts(runtime, "North", "2026-09", "listened:home", {"mostly": 3})
    await add_counts(runtime, "North", "2026-10", "satisfaction", {"good": 20, "bad": 10})
    lee = await lead_of(client, runtime, clock, cast)
    await lee.get(f"/staff/services/{north}/kpi")
    html = lee.html
    assert "<svg" in html and 'role="img"' in html
    assert re.findall(r"<script[^>]*>", html) == [
        s for s in re.findall(r"<script[^>]*>", html) if "desk.js" in s]  # no chart script
    assert "National: 84% felt at least a little listened to" in html
    assert 'class="reference"' in html and 'stroke-dasharray="2 4"' in html
    # One marked point each (circle, square), the suppressed month a gap.
    assert html.count("<circle cx") == 1 + 1  # the point and the legend's
    assert re.search(r">85%</text>", html) and re.search(r">67%</text>", html)
    table = html[html.index('id="trend-table"'):]
    table = table[:table.index("</table>")]
    assert table.count('<th scope="row">') == 12
    assert "Oct 2026" in table and "85%" in table and "67%" in table
    assert "Sept 2026" in table and "fewer than 5" in table


async def test_commissioner_sees_their_services_side_by_side_and_nothing_else(
    client: TestClient, runtime: Runtime, cast: Cast, clock: FrozenClock
) -> None:
    await make_service(runtime, "South")
    west = await make_service(runtime, "West")
    await add_counts(runtime, "North", "2026-10", "listened:keyworker", NATIONAL)
    await add_counts(runtime, "South", "2026-10", "listened:keyworker", {"mostly": 3})
    await add_counts(runtime, "West", "2026-10", "listened:keyworker", {"totally": 40})
    cara = await signed_in(client, runtime, clock, service=None, email="cara@ics.example",
                           role="commissioner", services=("North", "South"))
    assert cara.url.endswith("/staff/commissioner"), cara.url
    table = cara.html[cara.html.index('id="services-table"'):]
    assert "North" in table and "South" in table and "West" not in table
    assert "All your services" in table
    # North 156 -> 155; South 3 -> fewer than 5; both together 159 -> 160.
    answers = re.search(r"<th scope=\"row\">Answers</th>(.*?)</tr>", table, re.S)
    assert answers and re.findall(r"<td>(.*?)</td>", answers.group(1)) == [
        "155", "fewer than 5", "160"]
    assert ">3<" not in table
    # Never a young person: not their names, not alerts, not the desk.
    assert "Sam" not in cara.text
    for path in ("/staff/desk", f"/staff/young-people/{cast.young_person_id}", "/staff/lead",
                 f"/staff/services/{west}/kpi"):
        await cara.get(path)
        assert cara.status == 404, path
    async with client.get("/staff/commissioner.csv") as resp:
        rows = read_csv(await resp.read())
    services = {r[0] for r in rows[1:]}
    assert services == {"North", "South", "All your services"}
    assert "3" not in {c for r in rows[1:] for c in r[3:]}


async def test_csv_cells_never_start_a_formula(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    hostile = await make_service(runtime, "=HYPERLINK(\"http://x\")")
    await add_counts(runtime, "=HYPERLINK(\"http://x\")", "2026-10", "listened:camhs", NATIONAL)
    lee = await signed_in(client, runtime, clock, service="=HYPERLINK(\"http://x\")",
                          email="lee@x.example", role="lead")
    assert lee.status == 200
    async with client.get(f"/staff/services/{hostile}/kpi.csv") as resp:
        rows = read_csv(await resp.read())
    cells = [c for row in rows for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]
    assert "'=HYPERLINK(\"http://x\")" in cells


async def test_an_admin_cannot_put_a_commissioner_on_call(
    client: TestClient, runtime: Runtime, cast: Cast, clock: FrozenClock
) -> None:
    from domain import admin

    async with runtime.db.transaction() as session:
        cara = await admin.create_staff(session, service_name=None, name="Cara C",
                                        email="cara@ics.example", role="commissioner",
                                        now=runtime.clock.now(), bot_username=None,
                                        services=("North",))
    ada = await signed_in(client, runtime, clock, service="North", email="ada@north.example",
                          role="admin")
    await ada.get("/staff/admin")
    await ada.post(f"/staff/admin/staff/{cara['staff_id']}/on-call", {"on": "1"})
    assert ada.status == 400 and "totals only" in ada.text
