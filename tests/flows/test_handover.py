"""Handover: the new keyworker sees everything from day one, the old one loses access
at once, the history is kept, the young person is told kindly, and the handover note
is for the new keyworker's eyes only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.clock import FrozenClock
from domain.runtime import Runtime
from domain import admin
from domain.admin import AdminError
from domain.handover import assign_keyworker, assignment_history, handover_notes_for
from domain.staff import acknowledge_checkin, keyworker_of
from domain.strips import render_picture
from storage.models import AuditEntry, CheckIn, KeyworkerAssignment, Staff, YoungPerson
from tests.support.people import Cast, make_cast
from tests.support.photos import assert_bare_jpeg, photo_with_everything
from tests.support.safeguarding import (
    KEYWORKER_CHAT,
    YP_CHAT,
    check_in,
    consented,
    make_team,
    outbox,
)

KIM_CHAT = 6006
NOTE = "Sam finds mornings hard; hot chocolate after school works. Mum visits Sundays."


async def _add_staff(runtime: Runtime, cast: Cast, name: str, email: str, role: str = "keyworker",
                     service: str | None = None, chat: int | None = None) -> str:
    async with runtime.db.transaction() as session:
        made = await admin.create_staff(session, service_name=service or cast.service_name,
                                        name=name, email=email, role=role,
                                        now=runtime.clock.now(), bot_username=None)
        if chat is not None:
            staff = await session.get(Staff, made["staff_id"])
            assert staff is not None
            staff.telegram_chat_id = chat
    return str(made["staff_id"])


async def _staff(runtime: Runtime, staff_id: str) -> Staff:
    async with runtime.db.transaction() as session:
        staff = await session.get(Staff, staff_id)
        assert staff is not None
        return staff


async def _hand_over(runtime: Runtime, cast: Cast, email: str, **kwargs: object) -> dict:
    note = str(kwargs.pop("note", NOTE))
    async with runtime.db.transaction() as session:
        return await assign_keyworker(
            session, runtime.vault, young_person_id=cast.young_person_id, keyworker_email=email,
            note=note, now=runtime.clock.now(), **kwargs)  # type: ignore[arg-type]


async def _ack(runtime: Runtime, staff_id: str, checkin_id: str):  # type: ignore[no-untyped-def]
    async with runtime.db.transaction() as session:
        staff = await session.get(Staff, staff_id)
        assert staff is not None
        return await acknowledge_checkin(session, runtime.vault, staff, checkin_id,
                                         runtime.clock.now())


async def test_handover_keeps_history_and_moves_access_at_once(
    any_runtime: Runtime, clock: FrozenClock
) -> None:
    runtime = any_runtime
    cast = await make_cast(runtime)
    await make_team(runtime, cast)
    kim_id = await _add_staff(runtime, cast, "Kim Osei", "kim@north.example", chat=KIM_CHAT)
    client = await consented(runtime, cast)
    await check_in(client, ["Happy"], "had a good day at school")
    async with runtime.db.transaction() as session:
        before = (await session.scalars(select(CheckIn))).one()

    clock.advance(days=30)
    result = await _hand_over(runtime, cast, "Kim@North.example", hello="Hi Sam, I'm Kim!")
    assert result["keyworker"] == "kim@north.example"
    assert result["previous_keyworker"] == cast.keyworker_email
    assert result["told_on_telegram"] is True

    # The old keyworker's next request is refused (and audited); the new one sees the
    # check-in from before they started.
    refused = await _ack(runtime, cast.keyworker_id, before.id)
    assert not refused.ok
    seen = await _ack(runtime, kim_id, before.id)
    assert seen.ok and seen.by == "Kim"
    async with runtime.db.transaction() as session:
        alex = await session.get(Staff, cast.keyworker_id)
        kim = await session.get(Staff, kim_id)
        assert alex is not None and kim is not None
        assert await keyworker_of(session, alex, cast.young_person_id) is None
        assert (await keyworker_of(session, kim, cast.young_person_id)) is not None
        actions = [(e.action, e.actor_id) for e in (await session.scalars(
            select(AuditEntry).order_by(AuditEntry.id))).all()]
    assert ("checkin.ack_refused", cast.keyworker_id) in actions
    assert ("keyworker.assigned", None) in actions

    # Who, from when to when: newest first, with the first chapter from day one.
    async with runtime.db.transaction() as session:
        history = await assignment_history(session, cast.young_person_id)
    assert [(h["email"], h["current"], h["ended_because"]) for h in history] == [
        ("kim@north.example", True, None),
        (cast.keyworker_email, False, "handover"),
    ]
    assert history[0]["from"] == history[1]["to"] == clock.now().isoformat()
    assert history[1]["from"] == (clock.now() - timedelta(days=30)).isoformat()
    assert history[0]["assigned_by"] == "operator"

    # The young person is told, in plain words, on their channel.
    (row, message), = await outbox(runtime, chat_id=YP_CHAT, kind="handover_hello")
    assert row.key_owner == cast.young_person_id
    assert "You have a new keyworker: Kim." in message.text
    assert "\u201cHi Sam, I'm Kim!\u201d" in message.text
    assert "don't have to explain everything again" in message.text
    assert message.picture == {}

    # From now, a new check-in goes to Kim, not Alex; the one still waiting for Alex
    # (from before) is not theirs to read any more.
    await check_in(client, ["Sad"])
    assert [r.kind for r, _ in await outbox(runtime, chat_id=KIM_CHAT)] == ["checkin"]
    assert [(r.kind, r.status) for r, _ in await outbox(runtime, chat_id=KEYWORKER_CHAT)] == [
        ("checkin", "cancelled")]


async def test_the_handover_note_is_sealed_and_for_the_new_keyworker_only(
    any_runtime: Runtime, clock: FrozenClock
) -> None:
    runtime = any_runtime
    cast = await make_cast(runtime)
    team = await make_team(runtime, cast)
    kim_id = await _add_staff(runtime, cast, "Kim Osei", "kim@north.example")
    await _hand_over(runtime, cast, "kim@north.example")
    async with runtime.db.transaction() as session:
        row = (await session.scalars(select(KeyworkerAssignment).where(
            KeyworkerAssignment.staff_id == kim_id))).one()
        assert row.note_ct is not None and b"hot chocolate" not in row.note_ct
        person = await session.get(YoungPerson, cast.young_person_id)
        assert person is not None
        notes = {}
        for staff_id in (kim_id, cast.keyworker_id, team.lead_id, team.on_call_id):
            staff = await session.get(Staff, staff_id)
            assert staff is not None
            notes[staff_id] = await handover_notes_for(session, runtime.vault, staff, person,
                                                       clock.now())
    (note,) = notes[kim_id]
    assert note.note == NOTE and note.previous_keyworker == "Alex Morgan"
    assert notes[cast.keyworker_id] == notes[team.lead_id] == notes[team.on_call_id] == []

    # Handed on again: the next keyworker gets their own note, never Kim's.
    clock.advance(days=1)
    await _hand_over(runtime, cast, "jo@north.example", note="Over to Jo.")
    async with runtime.db.transaction() as session:
        person = await session.get(YoungPerson, cast.young_person_id)
        jo = await session.get(Staff, team.on_call_id)
        kim = await session.get(Staff, kim_id)
        assert person is not None and jo is not None and kim is not None
        assert [n.note for n in await handover_notes_for(
            session, runtime.vault, jo, person, clock.now())] == ["Over to Jo."]
        assert await handover_notes_for(session, runtime.vault, kim, person, clock.now()) == []
        viewed = (await session.scalars(select(AuditEntry.action).where(
            AuditEntry.action.like("handover_note.%")))).all()
    assert viewed.count("handover_note.viewed") == 2
    assert viewed.count("handover_note.refused") == 4


async def test_a_photo_with_the_hello_is_stripped_of_everything(
    runtime: Runtime, cast: Cast
) -> None:
    await make_team(runtime, cast)
    await _add_staff(runtime, cast, "Kim Osei", "kim@north.example")
    result = await _hand_over(runtime, cast, "kim@north.example", hello="Hello!",
                              photo=photo_with_everything())
    assert result["photo"] is True
    (_row, message), = await outbox(runtime, chat_id=YP_CHAT, kind="handover_hello")
    assert message.picture == {"kind": "handover_photo", "assignment_id": result["assignment_id"]}
    # What the sender draws for that picture (what Telegram receives) is a bare JPEG.
    photo = await render_picture(runtime.db, runtime.vault, message.picture)
    assert photo is not None
    assert_bare_jpeg(photo)


async def test_what_cannot_be_a_handover_is_refused_plainly(runtime: Runtime, cast: Cast) -> None:
    team = await make_team(runtime, cast)
    async with runtime.db.transaction() as session:
        await admin.create_service(session, name="South", timezone="Europe/London",
                                   now=runtime.clock.now())
    await _add_staff(runtime, cast, "Ola South", "ola@south.example", service="South")
    await _add_staff(runtime, cast, "Kim Osei", "kim@north.example")
    async with runtime.db.transaction() as session:
        kim = await session.scalar(select(Staff).where(Staff.email == "kim@north.example"))
        assert kim is not None
        kim.active = False
    lead = await _staff(runtime, team.lead_id)
    jo = await _staff(runtime, team.on_call_id)
    cases = [
        ({"keyworker_email": "ola@south.example"}, "no staff member"),
        ({"keyworker_email": "nobody@north.example"}, "no staff member"),
        ({"keyworker_email": "kim@north.example"}, "deactivated"),
        ({"keyworker_email": "lee@north.example"}, "only keyworkers"),
        ({"keyworker_email": cast.keyworker_email}, "already"),
        ({"note": "   "}, "handover note is needed"),
        ({"note": "x" * 4001}, "too long"),
        ({"hello": "y" * 601}, "too long"),
        ({"photo": b"not a photo"}, "not a photo"),
        ({"young_person_id": "f" * 32}, "no young person"),
        ({"by": jo}, "only a lead or admin"),
    ]
    for change, message in cases:
        args = {"young_person_id": cast.young_person_id, "keyworker_email": "jo@north.example",
                "note": NOTE} | change
        with pytest.raises(AdminError, match=message):
            async with runtime.db.transaction() as session:
                await assign_keyworker(session, runtime.vault, now=runtime.clock.now(),
                                       **args)  # type: ignore[arg-type]
    # Nothing changed, and a lead of the service may do it.
    async with runtime.db.transaction() as session:
        assert len(await assignment_history(session, cast.young_person_id)) == 1
        await assign_keyworker(session, runtime.vault, young_person_id=cast.young_person_id,
                               keyworker_email="jo@north.example", note=NOTE, by=lead,
                               now=runtime.clock.now())
        history = await assignment_history(session, cast.young_person_id)
    assert history[0]["assigned_by"] == "lee@north.example"
    async with runtime.db.transaction() as session:
        await admin.erase_young_person(session, runtime.vault, cast.young_person_id,
                                       runtime.clock.now())
    with pytest.raises(AdminError, match="erased"):
        await _hand_over(runtime, cast, cast.keyworker_email)
