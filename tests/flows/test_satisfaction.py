"""The satisfaction question: after "felt listened to", at most once a month,
skippable, counted without a name."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from core.clock import FrozenClock
from domain.runtime import Runtime
from domain.kpi import kpi_report
from storage.models import KpiCount
from storage.repositories import service_by_name
from tests.flows.test_checkin_flow import consented
from tests.support.flow_client import FlowClient
from tests.support.people import Cast


async def _listened(client: FlowClient) -> None:
    await client.command("listened")
    await client.tap("My keyworker")
    await client.tap("Mostly")


async def _counts(runtime: Runtime) -> list[tuple[str, str, str, int]]:
    async with runtime.db.transaction() as session:
        rows = (await session.scalars(
            select(KpiCount).where(KpiCount.question == "satisfaction"))).all()
        return sorted((r.month, r.question, r.answer, r.count) for r in rows)


async def test_asked_once_a_month_with_five_faces_and_i_dont_know(
    runtime: Runtime, cast: Cast, clock: FrozenClock
) -> None:
    client = await consented(runtime, cast)
    client.channel = "web"
    await _listened(client)
    screen = client.screen
    assert screen.name == "listened.satisfied"
    assert "how good is the help you get here" in screen.text
    labels = [c.label for c in screen.choices]
    assert len({label.split(" ", 1)[0] for label in labels[:5]}) == 5  # five faces
    assert labels[5].endswith("I don't know") and labels[-1] == "Skip"
    await client.tap("Good")
    assert client.screen.name == "home"
    assert await _counts(runtime) == [("2026-11", "satisfaction", "good", 1)]

    # Later the same month: not asked again.
    clock.advance(days=5)
    await _listened(client)
    assert client.screen.name == "home"
    assert await _counts(runtime) == [("2026-11", "satisfaction", "good", 1)]

    # A new month (the service's month, London time): asked again.
    clock.set(datetime(2026, 12, 1, 0, 30, tzinfo=UTC))
    await _listened(client)
    assert client.screen.name == "listened.satisfied"
    await client.tap("I don't know")
    assert await _counts(runtime) == [("2026-11", "satisfaction", "good", 1),
                                      ("2026-12", "satisfaction", "dont_know", 1)]


async def test_skipping_is_fine_counts_nothing_and_is_not_asked_again(
    runtime: Runtime, cast: Cast
) -> None:
    client = await consented(runtime, cast)
    await _listened(client)
    await client.tap("Skip")
    assert client.screen.name == "home"
    assert "Thank you" in (client.last.screens[0].text if client.last.screens else "")
    assert await _counts(runtime) == []
    await _listened(client)
    assert client.screen.name == "home"


async def test_satisfaction_kpi_in_the_report(runtime: Runtime, cast: Cast) -> None:
    async with runtime.db.transaction() as session:
        service = await service_by_name(session, cast.service_name)
        assert service is not None
        for answer, n in {"very_good": 20, "good": 30, "ok": 10, "bad": 5, "very_bad": 5,
                          "dont_know": 7}.items():
            session.add(KpiCount(service_id=service.id, month="2026-10",
                                 question="satisfaction", answer=answer, count=n))
    async with runtime.db.transaction() as session:
        report = await kpi_report(session, service_name="North", month_from=None, month_to=None)
    # 50 of the 70 who gave a rating (I don't know is left out) = 71%.
    assert report["satisfaction"]["percent_satisfied"] == 71
    assert report["satisfaction"]["total"] == 75  # 77 rounded to 5
    assert report["months"][0]["satisfaction"]["percent_satisfied"] == 71


async def test_starting_again_moves_on_and_it_is_not_asked_twice_that_month(
    runtime: Runtime, cast: Cast
) -> None:
    client = await consented(runtime, cast)
    await _listened(client)
    assert client.screen.name == "listened.satisfied"
    # They would rather say something about someone else: that just starts.
    await client.command("listened")
    assert client.screen.name == "listened.who"
    await client.tap("My mental health worker (CAMHS)")
    await client.tap("A little")
    assert client.screen.name == "home"
    assert await _counts(runtime) == []
