"""The same storage paths on SQLite and, when configured, PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from domain.runtime import Runtime
from domain.kpi import kpi_report
from outbox.message import Message
from outbox.queue import URGENT, claim_due, enqueue
from storage.models import CheckIn, KpiCount
from domain.invites import redeem as redeem_code
from storage.repositories import claim_update
from tests.storage.test_encryption import full_checkin, listened
from tests.support.people import make_cast


async def test_checkin_and_kpi(any_runtime: Runtime) -> None:
    rt = any_runtime
    cast = await make_cast(rt)
    await full_checkin(rt, cast.young_person_id, "on every database")
    for answer in ["Mostly"] * 6 + ["Not at all"] * 5 + ["I don't know"]:
        await listened(rt, cast.young_person_id, answer)
    async with rt.db.transaction() as session:
        row = await session.scalar(select(CheckIn))
        assert row is not None
        payload = await rt.vault.open(session, cast.young_person_id, "checkins", row.id,
                                      row.payload_ct)
        assert payload["words"] == "on every database"
        report = await kpi_report(session, service_name="North", month_from="2026-11",
                                  month_to="2026-11")
        kpi_rows = (await session.scalars(select(KpiCount))).all()
    assert {(r.month, r.answer, r.count) for r in kpi_rows} == {
        ("2026-11", "mostly", 6), ("2026-11", "not_at_all", 5), ("2026-11", "dont_know", 1)}
    overall = report["listened_to"]
    assert overall["total"] == 10  # 12, rounded to the nearest 5
    # 6 of the 11 who gave a rating felt at least a little listened to.
    assert overall["percent_at_least_a_little"] == 55
    assert overall["counts"] == {"not_at_all": 5, "a_little": 0, "mostly": 5, "totally": 0,
                                 "dont_know": None}


async def test_codes_are_one_time_and_updates_once(any_runtime: Runtime) -> None:
    rt = any_runtime
    cast = await make_cast(rt)
    code = str(cast.young_person_codes["web_link"]).rsplit("/", 1)[1]
    now = rt.clock.now()
    async with rt.db.transaction() as session:
        assert await redeem_code(session, code, purpose="telegram", now=now) is None
        assert await redeem_code(session, code, purpose="web", now=now) is not None
    async with rt.db.transaction() as session:
        assert await redeem_code(session, code, purpose="web", now=now) is None
        assert await claim_update(session, 42, now) is True
    async with rt.db.transaction() as session:
        assert await claim_update(session, 42, now) is False


async def test_outbox_claims_urgent_first_and_leases(any_runtime: Runtime) -> None:
    rt = any_runtime
    now = rt.clock.now()
    async with rt.db.transaction() as session:
        await enqueue(session, rt.vault, chat_id=1, message=Message("later"), kind="t", now=now)
        await enqueue(session, rt.vault, chat_id=2, message=Message("now!"), kind="t", now=now,
                      priority=URGENT)
        await enqueue(session, rt.vault, chat_id=3, message=Message("tomorrow"), kind="t",
                      now=now, due_at=now + timedelta(days=1))
    async with rt.db.transaction() as session:
        first = await claim_due(session, rt.vault, worker="a", now=now, limit=10)
    assert [c.message.text for c in first if c.message] == ["now!", "later"]
    async with rt.db.transaction() as session:
        assert await claim_due(session, rt.vault, worker="b", now=now, limit=10) == []
    async with rt.db.transaction() as session:
        # The lease ran out (worker "a" died): the messages can be claimed again.
        again = await claim_due(session, rt.vault, worker="b", now=now + timedelta(minutes=3),
                                limit=10)
    assert len(again) == 2


async def test_old_update_ids_are_forgotten(any_runtime: Runtime) -> None:
    from app.scheduler import forget_old_update_ids

    rt = any_runtime
    now = rt.clock.now()
    async with rt.db.transaction() as session:
        await claim_update(session, 1, now - timedelta(days=3))
        await claim_update(session, 2, now)
    await forget_old_update_ids(rt.db, rt.vault, rt.clock)
    async with rt.db.transaction() as session:
        assert await claim_update(session, 1, now) is True  # forgotten
        assert await claim_update(session, 2, now) is False  # still remembered
