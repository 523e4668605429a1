"""The desk's queries on SQLite and, when configured, PostgreSQL: My young people,
a young person's page, the lead's totals, the live desk's fingerprint, sign-in
throttling."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from domain.runtime import Runtime
from domain import desk
from storage.models import Staff
from tests.support.desk import StaffAtDesk, first_password, make_staff
from tests.support.people import make_cast
from tests.support.safeguarding import check_in, consented
from web.app import init_app


async def test_desk_pages_on_every_database(any_runtime: Runtime) -> None:
    runtime = any_runtime
    cast = await make_cast(runtime)
    sam = await consented(runtime, cast)
    await check_in(sam, ["Worried", "Tired"], "school was hard")
    runtime.clock.advance(minutes=5)  # type: ignore[attr-defined]
    await check_in(sam, ["I need help now"], "please come")
    async with runtime.db.transaction() as session:
        staff = await session.get(Staff, cast.keyworker_id)
        assert staff is not None
        before = await desk.desk_fingerprint(session, staff)
        tz = await desk.service_timezone(session, staff)
    # The totals are the lead's.
    lead = await make_staff(runtime, service=cast.service_name, name="Lee Lead",
                            email="lee@north.example", role="lead")
    async with runtime.db.transaction() as session:
        lee = await session.get(Staff, lead.staff_id)
        assert lee is not None
        totals = await desk.service_totals(session, runtime.vault, lee, tz, runtime.clock.now())
    assert (totals.young_people, totals.checkins_this_month, totals.not_seen,
            totals.open_alerts, totals.needs_keyworker) == (1, 2, 2, 1, [])
    password = await first_password(runtime, cast.keyworker_email)
    async with TestClient(TestServer(init_app(runtime))) as client:
        alex = StaffAtDesk(client)
        await alex.sign_in(cast.keyworker_email, "wrong")
        assert alex.status == 401
        runtime.clock.advance(seconds=1)  # type: ignore[attr-defined]
        await alex.first_sign_in(cast.keyworker_email, password)
        assert "Sam" in alex.text and "2 not seen yet" in alex.text
        assert "URGENT alert open" in alex.text
        await alex.get(f"/staff/young-people/{cast.young_person_id}")
        assert "school was hard" in alex.text and "please come" in alex.text
        from storage.models import CheckIn

        async with runtime.db.transaction() as session:
            first = (await session.scalars(select(CheckIn).order_by(CheckIn.created_at))).first()
            assert first is not None
        await alex.post(f"/staff/young-people/{cast.young_person_id}/seen",
                        {"checkin": first.id, "reply": "hot chocolate?"})
        assert "your reply is on its way" in alex.text
    async with runtime.db.transaction() as session:
        staff = await session.get(Staff, cast.keyworker_id)
        assert staff is not None and not staff.must_change_password
        assert await desk.desk_fingerprint(session, staff) != before

