"""The next home on Telegram: told gently when the move is planned, /next shows the
published booklet (bedroom first, photos without metadata, Next/Back), a question
goes to the placement's staff and the answer comes back; on the move date the
handover happens and the booklet is no longer offered."""

from __future__ import annotations

import io
from datetime import date, timedelta

from pypdf import PdfReader
from sqlalchemy import select

from app.scheduler import run_due
from cards.photos import clean_booklet_photo
from domain import booklets
from domain.moves import answer_question, tell_planned
from domain.placements import plan_move
from storage.models import Placement, PlacementMove, PlacementQuestion, PlacementStaff, Staff, YoungPerson
from tests.support.desk import make_staff
from tests.support.photos import assert_bare_jpeg, photo_with_everything
from tests.telegram.conftest import SAM, Heard, Service, link_everyone


async def _booklet_and_move(heard: Heard) -> tuple[str, str]:
    return await booklet_and_move(heard.runtime, heard.cast)


async def booklet_and_move(runtime, cast) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    now = runtime.clock.now()
    pat = await make_staff(runtime, service=cast.service_name, name="Pat Lee",
                           email="pat@north.example", role="placement")
    kim = await make_staff(runtime, service=cast.service_name, name="Kim Osei",
                           email="kim@north.example", role="keyworker")
    async with runtime.db.transaction() as session:
        placement = Placement(service_id=(await session.get(Staff, pat.staff_id)).service_id,  # type: ignore[union-attr]
                              name="Oak House", kind="Children's home", description="",
                              created_at=now, updated_at=now)
        session.add(placement)
        await session.flush()
        session.add(PlacementStaff(placement_id=placement.id, staff_id=pat.staff_id))
        staff = await session.get(Staff, pat.staff_id)
        assert staff is not None
        draft = await booklets.ensure_draft(session, placement, staff, now)
        by_kind = {s.kind: s for s in await booklets.sections(session, draft.id)}
        await booklets.save_section(session, placement, by_kind["welcome"].id, "Hello from us!", now)
        await booklets.save_section(session, placement, by_kind["bedroom"].id,
                                    "Your room has a big window.", now)
        await booklets.save_section(session, placement, by_kind["bring"].id, "Bring your music.", now)
        photo = clean_booklet_photo(io.BytesIO(photo_with_everything()))
        await booklets.add_photo(session, placement, by_kind["bedroom"].id, photo,
                                 alt="A bed with a blue cover", caption="", by=staff, now=now)
        await booklets.publish(session, placement, staff, now)
        alex = await session.get(Staff, cast.keyworker_id)
        assert alex is not None
        move = await plan_move(session, runtime.vault, by=alex,
                               young_person_id=cast.young_person_id,
                               placement_id=placement.id,
                               move_date=now.date() + timedelta(days=10),
                               note="We'll visit on Tuesday", now=now, to_keyworker_id=kim.staff_id)
        await tell_planned(session, runtime.vault, move, now)
    return placement.id, pat.staff_id


async def test_next_home_on_telegram(heard: Heard) -> None:
    alex, sam = await heard.link_everyone()
    placement_id, pat_id = await _booklet_and_move(heard)
    await heard.deliver()
    told = sam.expect("You are going to move to Oak House", after=0)
    assert "We'll visit on Tuesday" in told["text"]

    await sam.send("/next")
    page = sam.expect("Your bedroom")
    assert "big window" in page["text"] and "1 of 3" in page["text"]
    photos = [c for c in heard.api.calls_to("sendPhoto", chat_id=SAM)
              if (c.params.get("caption") or "") == "A bed with a blue cover"]
    assert photos
    assert_bare_jpeg(photos[-1].files["photo"])
    await sam.tap("Next")
    sam.expect("What to bring")
    await sam.tap("Back")
    sam.expect("Your bedroom")
    await sam.tap("Send it as a PDF")
    await heard.deliver()
    (sent,) = heard.api.calls_to("sendDocument", chat_id=SAM)
    pdf = PdfReader(io.BytesIO(sent.files["document"]))
    assert len(pdf.pages) == 3 and "big window" in pdf.pages[0].extract_text()
    await sam.tap("Ask a question")
    sam.expect("What would you like to ask the people at Oak House")
    await sam.send("Is there a dog?")
    sam.expect("Your question has been sent")

    runtime = heard.runtime
    async with runtime.db.transaction() as session:
        question = await session.scalar(select(PlacementQuestion))
        assert question is not None and b"dog" not in question.question_ct  # sealed
        pat = await session.get(Staff, pat_id)
        assert pat is not None
        await answer_question(session, runtime.vault, pat, question.id,
                              "Yes, a friendly one called Biscuit.", runtime.clock.now())
    await heard.deliver()
    answer = sam.expect("Biscuit", after=0)
    assert "Is there a dog?" in answer["text"] and "Pat from Oak House" in answer["text"]

    # The move date: the handover happens and the booklet is no longer offered.
    runtime.clock.advance(days=11)  # type: ignore[attr-defined]
    await run_due(runtime.db, runtime.vault, runtime.clock)
    async with runtime.db.transaction() as session:
        move = await session.scalar(select(PlacementMove))
        person = await session.get(YoungPerson, heard.cast.young_person_id)
        kim = await session.scalar(select(Staff).where(Staff.email == "kim@north.example"))
    assert move is not None and move.state == "moved"
    assert person is not None and kim is not None and person.keyworker_id == kim.id
    await sam.send("/next")
    sam.expect("There is no move planned for you right now")
    assert isinstance(move.move_date, date)


async def test_next_home_through_the_bot_api_server(service: Service, clock) -> None:  # type: ignore[no-untyped-def]
    """The same over HTTP: Heard served as in production against the Bot API test
    server; Sam browses the booklet and asks; Pat's answer arrives."""
    api = service.api
    _alex, sam = await link_everyone(service)
    mark = api.mark()
    runtime = await service.runtime()
    runtime.clock = clock
    try:
        await booklet_and_move(runtime, service.cast)
    finally:
        await runtime.close()
    await sam.wait_for_message("You are going to move to Oak House", after=mark, timeout=10)
    mark = api.mark()
    await sam.send("/next")
    await sam.wait_for_message("Your bedroom", after=mark)
    await sam.click("Next")
    await sam.wait_for_message("What to bring", after=mark)
    await sam.click("Ask a question")
    await sam.wait_for_message("What would you like to ask", after=mark)
    await sam.send("Can I bring my bike?")
    await sam.wait_for_message("Your question has been sent", after=mark)
    runtime = await service.runtime()
    runtime.clock = clock
    try:
        async with runtime.db.transaction() as session:
            question = await session.scalar(select(PlacementQuestion))
            pat = await session.scalar(select(Staff).where(Staff.email == "pat@north.example"))
            assert question is not None and pat is not None
            await answer_question(session, runtime.vault, pat, question.id,
                                  "Yes, there is a shed for bikes.", runtime.clock.now())
    finally:
        await runtime.close()
    # Sam's chat just had several messages: its pacing (on the service's simulated
    # clock) lets the next one go a moment later.
    clock.advance(seconds=5)
    answer = await sam.wait_for_message("shed for bikes", after=mark, timeout=10)
    assert "Can I bring my bike?" in answer["text"]
