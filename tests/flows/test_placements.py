"""Placements on SQLite and PostgreSQL: drafts, publishing, restoring, one planned
move at a time, who may plan it, sealed notes, and the move date."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from domain.runtime import Runtime
from cards.photos import clean_booklet_photo
from domain import booklets
from domain.moves import moves_due
from domain.placements import PlacementError, current_move, move_note, plan_move
from storage.models import BookletVersion, Placement, PlacementMove, PlacementStaff, Staff
from tests.support.desk import make_staff
from tests.support.people import make_cast
from tests.support.photos import photo_with_everything


async def test_booklet_versions_and_moves(any_runtime: Runtime) -> None:
    runtime = any_runtime
    cast = await make_cast(runtime)
    pat = await make_staff(runtime, service=cast.service_name, name="Pat Lee",
                           email="pat@north.example", role="placement")
    other = await make_staff(runtime, service=cast.service_name, name="Jo Other",
                             email="jo@north.example", role="keyworker")
    now = runtime.clock.now()
    async with runtime.db.transaction() as session:
        staff = await session.get(Staff, pat.staff_id)
        assert staff is not None
        placement = Placement(service_id=staff.service_id, name="Oak House", kind="Home",
                              description="", created_at=now, updated_at=now)
        session.add(placement)
        await session.flush()
        session.add(PlacementStaff(placement_id=placement.id, staff_id=staff.id))
        draft = await booklets.ensure_draft(session, placement, staff, now)
        first = {s.kind: s for s in await booklets.sections(session, draft.id)}
        assert list(first) == ["welcome", "bedroom", "house", "people", "day", "food", "rules",
                               "area", "bring", "worried"]
        with pytest.raises(PlacementError):
            await booklets.publish(session, placement, staff, now)  # empty
        await booklets.save_section(session, placement, first["food"].id, "Pizza on Fridays.", now)
        photo = clean_booklet_photo(io.BytesIO(photo_with_everything()))
        await booklets.add_photo(session, placement, first["bedroom"].id, photo, alt="A bed",
                                 caption="", by=staff, now=now)
        await booklets.move_section(session, placement, first["food"].id, -1)
        v1 = await booklets.publish(session, placement, staff, now)
        assert await booklets.young_person_pages(session, placement.id)
        pages = await booklets.young_person_pages(session, placement.id)
        assert [p.kind for p in pages] == ["bedroom", "food"]  # bedroom first, empty ones out

        draft2 = await booklets.ensure_draft(session, placement, staff, now)
        second = {s.kind: s for s in await booklets.sections(session, draft2.id)}
        assert second["bedroom"].photos and second["food"].body == "Pizza on Fridays."
        await booklets.save_section(session, placement, second["food"].id, "Tacos.", now)
        assert (await booklets.young_person_pages(session, placement.id))[1].body == "Pizza on Fridays."
        await booklets.publish(session, placement, staff, now)
        assert (await booklets.young_person_pages(session, placement.id))[1].body == "Tacos."
        await booklets.restore(session, placement, v1.id, staff, now)
        draft3 = await booklets.draft_of(session, placement.id)
        assert draft3 is not None and draft3.restored_from == v1.id
        assert {s.kind: s for s in await booklets.sections(session, draft3.id)}["food"].body == \
            "Pizza on Fridays."
        states = sorted((v.number, v.state) for v in (await session.scalars(
            select(BookletVersion).where(BookletVersion.placement_id == placement.id))).all())
        assert states == [(1, "archived"), (2, "published"), (3, "draft")]

        # Only their keyworker plans the move; a new plan replaces the old one.
        jo = await session.get(Staff, other.staff_id)
        alex = await session.get(Staff, cast.keyworker_id)
        assert jo is not None and alex is not None
        with pytest.raises(PlacementError):
            await plan_move(session, runtime.vault, by=jo, young_person_id=cast.young_person_id,
                            placement_id=placement.id, move_date=now.date(), note="", now=now)
        with pytest.raises(PlacementError):
            await plan_move(session, runtime.vault, by=alex, young_person_id=cast.young_person_id,
                            placement_id=placement.id, move_date=now.date() - timedelta(days=1),
                            note="", now=now)
        await plan_move(session, runtime.vault, by=alex, young_person_id=cast.young_person_id,
                        placement_id=placement.id, move_date=now.date() + timedelta(days=3),
                        note="First plan", now=now)
        move = await plan_move(session, runtime.vault, by=alex,
                               young_person_id=cast.young_person_id, placement_id=placement.id,
                               move_date=now.date() + timedelta(days=5), note="We'll visit",
                               now=now, to_keyworker_id=jo.id)
        planned = await current_move(session, cast.young_person_id)
        assert planned is not None and planned.move.id == move.id
        assert await move_note(session, runtime.vault, move) == "We'll visit"
        assert b"visit" not in (move.note_ct or b"")
        moves = (await session.scalars(select(PlacementMove))).all()
        assert sorted(m.state for m in moves) == ["cancelled", "planned"]

    # Nothing happens before the move date; on it, the handover.
    async with runtime.db.transaction() as session:
        assert await moves_due(session, runtime.vault, now + timedelta(days=4)) == 0
    async with runtime.db.transaction() as session:
        assert await moves_due(session, runtime.vault, now + timedelta(days=5, hours=1)) == 1
    async with runtime.db.transaction() as session:
        assert await current_move(session, cast.young_person_id) is None
        from storage.models import YoungPerson

        person = await session.get(YoungPerson, cast.young_person_id)
        assert person is not None and person.keyworker_id == other.staff_id
