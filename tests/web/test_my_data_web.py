""""My data" on the web: the page and the PDF show only the signed-in young person's
records and the staff views (role and when), never cached; "Delete my data" with a
confirm step; a lead decides on the desk (keep, with a reason the young person reads;
or approve, and their session ends); a keyworker, or a lead of another service, can
neither see nor act on the request."""

from __future__ import annotations

import io
import re

from aiohttp.test_utils import TestClient
from pypdf import PdfReader
from sqlalchemy import select

from core.clock import FrozenClock
from domain import desk
from domain.runtime import Runtime
from storage.models import DataKey, DataRequest, Staff
from tests.flows.test_my_data import KAI_WORDS, SAM_WORDS, second_person
from tests.storage.test_encryption import full_checkin
from tests.support.desk import StaffAtDesk, first_password
from tests.support.people import Cast
from tests.support.web_client import WebPerson
from tests.web.kpi_support import make_service, signed_in
from tests.web.test_tablet_and_parity import signed_in_on_tablet


def _cookies(client: TestClient) -> dict[str, str]:
    return {c.key: c.value for c in client.session.cookie_jar}


def _use(client: TestClient, cookies: dict[str, str]) -> None:
    client.session.cookie_jar.clear()
    client.session.cookie_jar.update_cookies(cookies)


async def test_my_data_page_pdf_and_delete_decided_on_the_desk(
    client: TestClient, runtime: Runtime, cast: Cast, clock: FrozenClock
) -> None:
    kai = await second_person(runtime, cast)
    await full_checkin(runtime, cast.young_person_id, SAM_WORDS)
    await full_checkin(runtime, kai, KAI_WORDS)
    async with runtime.db.transaction() as session:
        alex = await session.get(Staff, cast.keyworker_id)
        assert alex is not None
        await desk.person_for(session, alex, cast.young_person_id, what="timeline",
                              source="test", now=runtime.clock.now())

    sam = WebPerson(client)
    await sam.set_pin(str(cast.young_person_codes["web_link"]), "1357")
    link = sam.html.split('class="link-box"><a href="', 1)[1].split('"', 1)[0]
    sam_path = "/p/" + link.rsplit("/", 1)[1]
    await sam.get("/me")
    assert 'href="/me/my-data"' in sam.html
    async with client.get("/me/my-data") as resp:
        assert resp.status == 200 and resp.headers["Cache-Control"] == "no-store"
    await sam.get("/me/my-data")
    assert SAM_WORDS in sam.text and KAI_WORDS not in sam.text and "Kai" not in sam.text
    assert "Who can see what" in sam.text and "Looked at your check-ins" in sam.text
    assert "Keyworker" in sam.text and "Alex Morgan" not in sam.text

    async with client.get("/me/my-data.pdf") as resp:
        assert resp.status == 200 and resp.content_type == "application/pdf"
        assert resp.headers["Cache-Control"] == "no-store"
        pdf = PdfReader(io.BytesIO(await resp.read()))
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in pdf.pages)
    assert SAM_WORDS in text and KAI_WORDS not in text
    assert "Looked at your check-ins" in text and "Keyworker" in text

    # Ask, with a confirm step.
    await sam.get("/me/my-data/delete")
    assert "Do you want us to delete your data in Heard?" in sam.text
    await sam.post("/me/my-data/delete", {})
    assert "We have asked your service" in sam.text
    assert "Waiting for your service to decide" in sam.text
    assert "Stop my delete request" in sam.text
    sam_cookies = _cookies(client)

    # A keyworker cannot see the requests page; a lead of another service cannot act.
    async with runtime.db.transaction() as session:
        request_id = (await session.scalar(select(DataRequest.id)))
    assert request_id
    client.session.cookie_jar.clear()
    alex_desk = StaffAtDesk(client)
    await alex_desk.first_sign_in(cast.keyworker_email,
                                  await first_password(runtime, cast.keyworker_email))
    await alex_desk.get("/staff/data-requests")
    assert alex_desk.status == 404
    await make_service(runtime, "South")
    lou = await signed_in(client, runtime, clock, service="South", email="lou@south.example",
                          role="lead")
    await lou.get("/staff/data-requests")
    assert lou.status == 200 and "Sam" not in lou.text and "No requests" in lou.text
    await lou.post(f"/staff/data-requests/{request_id}/approve", {})
    assert lou.status == 404
    await lou.post(f"/staff/data-requests/{request_id}/refuse", {"reason": "No."})
    assert lou.status == 404

    # The lead of Sam's service keeps the data, with a reason; Sam reads it.
    lee = await signed_in(client, runtime, clock, service=cast.service_name,
                          email="lee@north.example", role="lead")
    await lee.get("/staff/lead")
    assert "1 young person has asked for their data to be deleted" in lee.text
    assert "overdue" not in lee.text
    await lee.get("/staff/data-requests")
    assert "Sam" in lee.text and "decide by" in lee.text
    await lee.post(f"/staff/data-requests/{request_id}/refuse", {"reason": ""})
    assert lee.status == 400 and "Please write why" in lee.text
    reason = "We need to keep it while your care plan is being checked."
    await lee.post(f"/staff/data-requests/{request_id}/refuse", {"reason": reason})
    # Sam uses the web only: told at the next visit, and the lead is told just that.
    assert "They will be told why the next time they open Heard" in lee.text
    lee_cookies = _cookies(client)

    # Sam (on the web only) is told at the next visit, once, with the reason.
    client.session.cookie_jar.clear()
    await sam.get(sam_path)
    await sam.post(sam_path, {"pin": "1357"})
    assert "Your service has decided to keep it for now" in sam.text and reason in sam.text
    await sam.post("/leave", {})
    await sam.get(sam_path)
    await sam.post(sam_path, {"pin": "1357"})
    assert "Did I feel listened to?" in sam.text and reason not in sam.text  # told once
    sam_cookies = _cookies(client)
    await sam.get("/me/my-data")
    assert reason in sam.text and "Your service decided to keep your data" in sam.text
    assert SAM_WORDS in sam.text

    # Asked again and stopped (withdrawn); asked once more, then approved: the data
    # goes and Sam's session ends.
    await sam.get("/me/my-data/delete")
    await sam.post("/me/my-data/delete", {})
    await sam.post("/me/my-data/stop", {})
    assert "Your request is stopped" in sam.text and "You stopped this request" in sam.text
    async with runtime.db.transaction() as session:
        states = sorted((await session.scalars(select(DataRequest.state))).all())
    assert states == ["refused", "withdrawn"]
    await sam.get("/me/my-data/delete")
    await sam.post("/me/my-data/delete", {})
    async with runtime.db.transaction() as session:
        second = await session.scalar(select(DataRequest.id).where(
            DataRequest.state == "requested"))
    assert second
    _use(client, lee_cookies)
    await lee.get("/staff/data-requests")
    await lee.post(f"/staff/data-requests/{second}/approve", {})
    assert "Their data has been deleted" in lee.text
    async with runtime.db.transaction() as session:
        assert await session.get(DataKey, cast.young_person_id) is None
        assert await session.get(DataKey, kai) is not None
    # Sam's browser is told once, plainly, and the session is gone.
    _use(client, sam_cookies)
    async with client.get("/me/my-data", allow_redirects=False) as resp:
        assert resp.status == 303 and resp.headers["Location"] == "/data-deleted"
    await sam.get("/me")
    assert sam.url.endswith("/data-deleted") and "Your data is deleted" in sam.text
    assert not re.search(r"\bSam\b", sam.text) and SAM_WORDS not in sam.text
    async with client.get("/me", allow_redirects=False) as resp:
        assert resp.status == 303 and resp.headers["Location"] == "/"


async def test_on_a_unit_tablet_my_data_is_behind_the_pin_and_leaves_nothing(
    client: TestClient, runtime: Runtime, cast: Cast, clock: FrozenClock
) -> None:
    tablet = await signed_in_on_tablet(client, runtime, cast, "Jo")
    await tablet.get("/me")
    assert 'href="/me/my-data"' in tablet.html
    await tablet.get("/me/my-data")
    assert "Jo" in tablet.text and "Who can see what" in tablet.text
    assert 'data-idle-url="/t/leave"' in tablet.html and 'data-idle-seconds="60"' in tablet.html
    assert "/me/my-data.pdf" not in tablet.html  # no file left in the tablet's downloads
    async with client.get("/me/my-data.pdf") as resp:
        assert resp.status == 404 and resp.content_type == "text/html"
        assert resp.headers["Cache-Control"] == "no-store"
        assert "does not make a PDF" in await resp.text()
    # They leave: the next person at the tablet cannot open it.
    await tablet.get("/me")
    await tablet.post("/t/leave", {})
    assert "Who is checking in?" in tablet.text
    async with client.get("/me/my-data", allow_redirects=False) as resp:
        assert resp.status == 303 and resp.headers["Location"] == "/"
