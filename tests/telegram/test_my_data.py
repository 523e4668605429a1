"""/mydata on Telegram: a short explanation, the whole of it as a PDF document (their
check-in words and the list of staff views, read back), and "Delete my data" with a
confirm step that tells their keyworker."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import select

from domain import desk, my_data
from storage.models import DataKey, DataRequest, Staff
from tests.support.desk import make_staff
from tests.telegram.conftest import KEYWORKER, SAM, Heard

SAM_WORDS = "my headphones broke 6631"


async def test_mydata_sends_the_pdf_and_asks_to_delete(heard: Heard) -> None:
    alex, sam = await heard.link_everyone()
    await sam.send("/checkin")
    await sam.tap("Scared")
    await sam.tap("Done")
    await sam.tap("A little")
    await sam.tap("Some space")
    await sam.send(SAM_WORDS)
    runtime = heard.runtime
    async with runtime.db.transaction() as session:
        staff = await session.get(Staff, heard.cast.keyworker_id)
        assert staff is not None
        assert await desk.person_for(session, staff, heard.cast.young_person_id,
                                     what="timeline", source="test", now=runtime.clock.now())

    await sam.send("/mydata")
    menu = sam.expect("Heard keeps your check-ins")
    assert "Alex, your keyworker, can see them" in menu["text"]
    await sam.tap("Send me my data (PDF)")
    await heard.deliver()
    (sent,) = heard.api.calls_to("sendDocument", chat_id=SAM)
    assert sent.params.get("caption", "").startswith("Your data in Heard, to keep")
    pdf = PdfReader(io.BytesIO(sent.files["document"]))
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in pdf.pages)
    assert SAM_WORDS in text, text
    assert "Scared" in text and "Some space" in text
    assert "When staff looked at your data" in text and "Looked at your check-ins" in text
    assert "Keyworker" in text and "Alex Morgan" not in text

    await sam.tap("Delete my data")
    sam.expect("Do you want us to delete your data in Heard?")
    await sam.tap("Yes, ask to delete it")
    sam.expect("We have asked your service")
    await heard.deliver()
    told = [m for m in heard.api.messages(KEYWORKER)
            if "Sam has asked for their data in Heard to be deleted" in (m.get("text") or "")]
    assert told
    async with runtime.db.transaction() as session:
        row = await session.scalar(select(DataRequest))
        assert row is not None and row.state == "requested" and row.channel == "telegram"

    # A lead says yes: Sam is told on Telegram, then Heard no longer knows them.
    lee = await make_staff(runtime, service=heard.cast.service_name, name="Lee Lead",
                           email="lee@north.example", role="lead")
    async with runtime.db.transaction() as session:
        lead = await session.get(Staff, lee.staff_id)
        assert lead is not None
        await my_data.approve(session, runtime.vault, lead, row.id, runtime.clock.now())
    await heard.deliver()
    goodbye = sam.expect("Your service said yes")
    assert "this chat will stop working" in goodbye["text"]
    async with runtime.db.transaction() as session:
        assert await session.get(DataKey, heard.cast.young_person_id) is None
    await sam.send("/mydata")
    after = (sam.last_message() or {}).get("text", "")
    assert "This is a private service" in after and "Heard keeps your check-ins" not in after
    assert alex is not None
