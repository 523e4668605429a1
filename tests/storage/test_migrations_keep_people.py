"""Migrations 0005-0008 on a database that already has people: nobody loses their keyworker,
every young person's history starts on the day they were created, and the audit log
becomes append-only only from this migration on (and stops being so on the way down)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from storage.db import Database
from tests.conftest import POSTGRES_URL, _reset_postgres

CREATED = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgres"])
async def db(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    if request.param == "postgres":
        if not POSTGRES_URL:
            pytest.skip("HEARD_TEST_POSTGRES_URL is not set (CI sets it to the local PostgreSQL)")
        await _reset_postgres(POSTGRES_URL)
        database = Database.from_url(POSTGRES_URL)
    else:
        database = Database.from_url(f"sqlite+aiosqlite:///{tmp_path}/m.db")
    yield database
    await database.close()


async def test_existing_keyworkers_become_the_first_chapter(db: Database) -> None:
    await db.migrate("0004")
    async with db.engine.begin() as conn:
        await conn.execute(text(
            "INSERT INTO services (id, name, timezone, created_at, escalate_on_call_minutes, "
            "escalate_lead_minutes) VALUES ('s1', 'North', 'Europe/London', :t, 15, 30)"), {"t": CREATED})
        await conn.execute(text(
            "INSERT INTO staff (id, service_id, name, email, role, password_hash, locale, active, "
            "created_at, on_call) VALUES ('k1', 's1', 'Alex', 'a@x.org', 'keyworker', 'h', 'en', "
            ":yes, :t, :no)"), {"t": CREATED, "yes": True, "no": False})
        for person, keyworker in (("p1", "k1"), ("p2", None)):
            await conn.execute(text(
                "INSERT INTO young_people (id, service_id, keyworker_id, nickname_ct, locale, "
                "paused, created_at) VALUES (:p, 's1', :k, :n, 'en', :no, :t)"),
                {"p": person, "k": keyworker, "n": b"x", "no": False, "t": CREATED})
        await conn.execute(text(
            "INSERT INTO audit_log (at, actor_kind, action) VALUES (:t, 'operator', 'old.entry')"),
            {"t": CREATED})
    await db.migrate()
    async with db.engine.connect() as conn:
        keyworkers = dict((await conn.execute(text(
            "SELECT id, keyworker_id FROM young_people ORDER BY id"))).all())
        chapters = (await conn.execute(text(
            "SELECT young_person_id, staff_id, started_at, ended_at, assigned_by_kind "
            "FROM keyworker_assignments"))).all()
        flags = (await conn.execute(text("SELECT must_change_password FROM staff"))).scalars().all()
    assert keyworkers == {"p1": "k1", "p2": None}
    assert len(chapters) == 1
    person, staff, started, ended, kind = chapters[0]
    assert (person, staff, ended, kind) == ("p1", "k1", None, "system")
    assert str(started).startswith("2026-01-05")
    # Accounts made before the desk still hold the printed first password: it must be
    # replaced at the first desk sign-in.
    assert [bool(f) for f in flags] == [True]

    with pytest.raises((IntegrityError, DBAPIError), match="append-only"):
        async with db.engine.begin() as conn:
            await conn.execute(text("DELETE FROM audit_log"))
    # Down again: the triggers go with the migration that made them.
    await db.downgrade("0004")
    async with db.engine.begin() as conn:
        await conn.execute(text("UPDATE audit_log SET detail = 'x'"))


async def test_one_waiting_delete_request_per_young_person(db: Database) -> None:
    """0019: copies of a waiting request made before are settled (the oldest stays,
    the copies go: nobody withdrew them), and from then on a second waiting request
    cannot be stored, however it races."""
    await db.migrate("0018")
    async with db.engine.begin() as conn:
        await conn.execute(text(
            "INSERT INTO services (id, name, timezone, created_at, escalate_on_call_minutes, "
            "escalate_lead_minutes) VALUES ('s1', 'North', 'Europe/London', :t, 15, 30)"),
            {"t": CREATED})
        await conn.execute(text(
            "INSERT INTO young_people (id, service_id, nickname_ct, locale, paused, created_at) "
            "VALUES ('p1', 's1', :n, 'en', :no, :t)"), {"n": b"x", "no": False, "t": CREATED})
        for n, (rid, minute) in enumerate((("r2", 5), ("r1", 1), ("r3", 9))):
            await conn.execute(text(
                "INSERT INTO data_requests (id, young_person_id, service_id, kind, state, "
                "channel, requested_at, due_at) VALUES (:id, 'p1', 's1', 'erase', 'requested', "
                "'web', :at, :at)"), {"id": rid, "at": CREATED.replace(minute=minute + n)})
    await db.migrate()
    insert = text(
        "INSERT INTO data_requests (id, young_person_id, service_id, kind, state, channel, "
        "requested_at, due_at) VALUES (:id, 'p1', 's1', 'erase', :state, 'web', :t, :t)")
    async with db.engine.connect() as conn:
        states = dict((await conn.execute(text(
            "SELECT id, state FROM data_requests ORDER BY id"))).all())
        assert states == {"r1": "requested"}
        await conn.execute(insert, {"id": "r4", "state": "withdrawn", "t": CREATED})
        with pytest.raises(IntegrityError):
            await conn.execute(insert, {"id": "r5", "state": "requested", "t": CREATED})


async def test_one_open_buddy_relay_per_move(db: Database) -> None:
    """0019: of two open relays for one move, the newer stays open and the older is
    closed as "replaced" when the newer was chosen (nobody "stopped" it); a closed one
    is left alone; from then on a second open relay cannot be stored."""
    from datetime import date, timedelta

    await db.migrate("0018")
    at = [CREATED + timedelta(hours=h) for h in range(4)]
    async with db.engine.begin() as conn:
        await conn.execute(text(
            "INSERT INTO services (id, name, timezone, created_at, escalate_on_call_minutes, "
            "escalate_lead_minutes) VALUES ('s1', 'North', 'Europe/London', :t, 15, 30)"),
            {"t": CREATED})
        for person in ("sam", "robin", "kim"):
            await conn.execute(text(
                "INSERT INTO young_people (id, service_id, nickname_ct, locale, paused, "
                "created_at) VALUES (:p, 's1', :n, 'en', :no, :t)"),
                {"p": person, "n": b"x", "no": False, "t": CREATED})
        await conn.execute(text(
            "INSERT INTO placements (id, service_id, name, kind, description, created_at, "
            "updated_at) VALUES ('pl', 's1', 'Oak House', 'home', '', :t, :t)"), {"t": CREATED})
        await conn.execute(text(
            "INSERT INTO placement_moves (id, young_person_id, placement_id, move_date, state, "
            "created_at) VALUES ('mv', 'sam', 'pl', :d, 'planned', :t)"),
            {"d": date(2026, 1, 12), "t": CREATED})
        for match, buddy, chosen, closed in (("old", "robin", at[1], None),
                                            ("new", "kim", at[2], None),
                                            ("gone", "robin", at[0], at[1])):
            await conn.execute(text(
                "INSERT INTO buddy_matches (id, move_id, placement_id, arrival_id, buddy_id, "
                "chosen_at, closes_at, closed_at, closed_reason) VALUES (:id, 'mv', 'pl', "
                "'sam', :buddy, :chosen, :closes, :closed, :reason)"),
                {"id": match, "buddy": buddy, "chosen": chosen, "closes": at[3],
                 "closed": closed, "reason": "stopped" if closed else None})
    await db.migrate()
    async with db.engine.connect() as conn:
        rows = {r[0]: (r[1], r[2]) for r in (await conn.execute(text(
            "SELECT id, closed_reason, closed_at FROM buddy_matches"))).all()}
        assert rows["new"] == (None, None)
        assert rows["gone"][0] == "stopped"
        assert rows["old"][0] == "replaced" and rows["old"][1] is not None
        with pytest.raises(IntegrityError):
            await conn.execute(text(
                "INSERT INTO buddy_matches (id, move_id, placement_id, arrival_id, buddy_id, "
                "chosen_at, closes_at) VALUES ('again', 'mv', 'pl', 'sam', 'robin', :t, :t)"),
                {"t": at[3]})
