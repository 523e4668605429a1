"""The care-review summary: a keyworker makes a PDF of a young person's check-ins for
a range of dates from their page; it is audited and the young person is told."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from core.clock import FrozenClock
from domain.runtime import Runtime
from storage.models import AuditEntry, OutboxMessage, YoungPerson
from tests.support.desk import StaffAtDesk, first_password, make_staff
from tests.support.people import Cast
from tests.support.safeguarding import check_in, consented
from tests.support.web_client import hidden_fields
from tests.web.test_kpi_pdf import to_png
from tests.web.test_staff_desk import keyworker_at_desk
from web import pdf

pytestmark = pytest.mark.skipif(pdf.missing() is not None,
                                reason=f"PDFs cannot be made here: {pdf.missing()}")


async def _make_pdf(client: TestClient, desk: StaffAtDesk, person_id: str,
                    dates: dict[str, str]) -> tuple[int, bytes]:
    await desk.get(f"/staff/young-people/{person_id}")
    fields = hidden_fields(desk.html)
    fields.update(dates)
    async with client.post(f"/staff/young-people/{person_id}/review.pdf", data=fields) as resp:
        return resp.status, await resp.read()


async def test_review_summary_has_their_words_marked_is_audited_and_they_are_told(
    client: TestClient, runtime: Runtime, cast: Cast, clock: FrozenClock, tmp_path: Path
) -> None:
    from pypdf import PdfReader

    sam = await consented(runtime, cast)
    await check_in(sam, ["Worried", "Tired"], "school was hard")
    await sam.command("listened")
    await sam.tap("My keyworker")
    await sam.tap("Mostly")
    await sam.tap("Skip")
    async with runtime.db.transaction() as session:
        person = await session.get(YoungPerson, cast.young_person_id)
        assert person is not None
        person.telegram_chat_id = 4242
    alex = await keyworker_at_desk(client, runtime, cast)
    await alex.get(f"/staff/young-people/{cast.young_person_id}")
    assert "Summary for a review" in alex.text
    # Seen, with a reply, before the summary.
    await alex.post(f"/staff/young-people/{cast.young_person_id}/seen",
                    {"checkin": alex.html.split('name="checkin" value="')[1].split('"')[0],
                     "reply": "Thank you for telling me"})
    clock.advance(hours=2)
    status, data = await _make_pdf(client, alex, cast.young_person_id,
                                   {"from": "2026-11-01", "to": "2026-11-30"})
    assert status == 200 and data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Summary for Sam's review" in text
    assert "In Sam's own words:" in text and "school was hard" in text
    assert "Worried" in text and "Tired" in text and "A lot" in text
    assert "Talk to my keyworker" in text
    assert "Felt listened to" in text and "Mostly" in text
    assert "Seen by Alex Morgan" in text and "Thank you for telling me" in text
    assert "1 November 2026" in text and "30 November 2026" in text
    if Path("/tmp/kpi").is_dir():
        Path("/tmp/kpi/review.pdf").write_bytes(data)
    png = to_png(data, tmp_path / "review")
    assert png.stat().st_size > 10_000

    async with runtime.db.transaction() as session:
        audited = (await session.scalars(select(AuditEntry).where(
            AuditEntry.action == "review.exported"))).all()
        told = (await session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "review_told"))).all()
    assert [(a.young_person_id, a.detail) for a in audited] == [
        (cast.young_person_id, "2026-11-01..2026-11-30")]
    assert len(told) == 1 and told[0].chat_id == 4242
    # On their home screen (both channels): when, and that they can ask to see it.
    await sam.command("start")
    assert "Alex made a summary of your check-ins for your review on 23 November" in \
        sam.screen.text
    assert "You can ask to see it" in sam.screen.text
    # A month later it is no longer mentioned.
    clock.advance(days=31)
    await sam.command("start")
    assert "summary" not in sam.screen.text


async def test_only_their_keyworker_can_make_one_and_odd_dates_are_kind(
    client: TestClient, runtime: Runtime, cast: Cast, clock: FrozenClock
) -> None:
    sam = await consented(runtime, cast)
    await check_in(sam, ["Happy"], "a good day")
    other = await make_staff(runtime, service=cast.service_name, name="Kim Other",
                             email="kim@north.example")
    kim = StaffAtDesk(client)
    await kim.first_sign_in(other.email, other.password)
    await kim.get("/staff/desk")
    fields = hidden_fields(kim.html)
    async with client.post(f"/staff/young-people/{cast.young_person_id}/review.pdf",
                           data=fields) as resp:
        assert resp.status == 404
        assert "a good day" not in await resp.text()
    client.session.cookie_jar.clear()
    await first_password(runtime, cast.keyworker_email)
    alex = await keyworker_at_desk(client, runtime, cast)
    status, data = await _make_pdf(client, alex, cast.young_person_id,
                                   {"from": "yesterday", "to": ""})
    assert status == 200  # the last 12 weeks instead
    from pypdf import PdfReader

    assert "a good day" in "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    async with runtime.db.transaction() as session:
        assert (await session.scalars(select(AuditEntry).where(
            AuditEntry.action == "review.exported"))).all()


async def test_what_they_shared_for_their_review_is_in_the_summary_until_they_stop(
    client: TestClient, runtime: Runtime, cast: Cast
) -> None:
    from pypdf import PdfReader

    sam = await consented(runtime, cast)
    await sam.command("review")
    await sam.tap("Let's start")
    await sam.tap("Done")
    await sam.send("my new school is going well")
    for _skip in range(3):
        await sam.tap("Skip")
    await sam.tap("Share it with Alex")
    alex = await keyworker_at_desk(client, runtime, cast)

    async def summary_text() -> str:
        status, data = await _make_pdf(client, alex, cast.young_person_id,
                                       {"from": "2026-11-01", "to": "2026-11-30"})
        assert status == 200
        return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)

    text = await summary_text()
    assert "What Sam wants their review to know" in text
    assert "my new school is going well" in text
    await sam.command("review")
    await sam.tap("Stop sharing it")
    text = await summary_text()
    assert "my new school is going well" not in text
    assert "What Sam wants their review to know" not in text
