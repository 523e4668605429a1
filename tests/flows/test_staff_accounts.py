"""Switching a staff account off, resetting a password, and the young people who
need a keyworker."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError
from sqlalchemy import func, select

from core.clock import FrozenClock
from domain.runtime import Runtime
from domain.identity import identify
from domain import admin
from domain.admin import AdminError
from domain.handover import assign_keyworker, assignment_history
from domain.staff import acknowledge_checkin
from domain.staff_accounts import deactivate_staff, needs_keyworker, reset_password
from safeguarding.escalation import escalate_due
from storage.models import (
    Alert,
    AuditEntry,
    CheckIn,
    InviteCode,
    OutboxMessage,
    Staff,
    StaffSession,
)
from tests.support.people import Cast, make_cast
from tests.support.safeguarding import (
    KEYWORKER_CHAT,
    ON_CALL_CHAT,
    check_in,
    consented,
    make_team,
    outbox,
)

ALEX_TELEGRAM_USER = 777


async def _sessions(runtime: Runtime, rows: list[tuple[str, str]]) -> None:
    """Signed-in desk sessions (``staff_sessions``), as the web desk keeps them."""
    now = runtime.clock.now()
    async with runtime.db.transaction() as session:
        for id_hash, staff_id in rows:
            session.add(StaffSession(id_hash=id_hash, staff_id=staff_id, second_factor=False,
                                     created_at=now, last_seen_at=now,
                                     expires_at=now + timedelta(hours=12)))


async def _count(runtime: Runtime, staff_id: str) -> int:
    async with runtime.db.transaction() as session:
        return await session.scalar(select(func.count()).select_from(StaffSession).where(
            StaffSession.staff_id == staff_id)) or 0


async def _deactivate(runtime: Runtime, email: str, by: Staff | None = None) -> dict:
    async with runtime.db.transaction() as session:
        return await deactivate_staff(session, email=email, now=runtime.clock.now(), by=by)


async def test_deactivation_ends_access_alerts_and_sessions(
    any_runtime: Runtime, clock: FrozenClock
) -> None:
    runtime = any_runtime
    cast = await make_cast(runtime)
    team = await make_team(runtime, cast)
    async with runtime.db.transaction() as session:
        alex = await session.get(Staff, cast.keyworker_id)
        assert alex is not None
        alex.telegram_user_id = ALEX_TELEGRAM_USER
    await _sessions(runtime, [("a1", cast.keyworker_id), ("a2", cast.keyworker_id),
                              ("j1", team.on_call_id)])
    client = await consented(runtime, cast)
    await check_in(client, ["Happy"])  # a check-in message waits for Alex in the outbox
    # An urgent alert already told Alex, waiting 15 minutes for "I'm on it".
    await check_in(client, ["I don't feel safe"])
    async with runtime.db.transaction() as session:
        checkin = (await session.scalars(select(CheckIn).order_by(CheckIn.created_at))).first()
        assert checkin is not None

    result = await _deactivate(runtime, cast.keyworker_email)
    assert result["active"] is False
    assert result["sessions_ended"] == 2
    # Not yet sent: the check-in, the alert and the urgent check-in that joined it.
    assert result["messages_cancelled"] == 3
    assert result["young_people_needing_keyworker"] == [cast.young_person_id]
    assert await _count(runtime, cast.keyworker_id) == 0
    assert await _count(runtime, team.on_call_id) == 1

    # The alert that waited on Alex moves on to on-call at the next pass, not in 15 min.
    async with runtime.db.transaction() as session:
        assert await escalate_due(session, runtime.vault, clock.now()) == 1
    assert [r.kind for r, _ in await outbox(runtime, chat_id=ON_CALL_CHAT)] == ["alert"]

    async with runtime.db.transaction() as session:
        alex = await session.get(Staff, cast.keyworker_id)
        assert alex is not None and not alex.active and alex.deactivated_at == clock.now()
        # On Telegram they are nobody we know, and their old "Seen" buttons do nothing.
        assert (await identify(session, ALEX_TELEGRAM_USER)).staff is None
        assert not (await acknowledge_checkin(session, runtime.vault, alex, checkin.id,
                                              clock.now())).ok
        assert await session.scalar(select(func.count()).select_from(InviteCode).where(
            InviteCode.subject_id == alex.id, InviteCode.used_at.is_(None))) == 0
        statuses = (await session.scalars(select(OutboxMessage.status).where(
            OutboxMessage.chat_id == KEYWORKER_CHAT))).all()
        assert set(statuses) == {"cancelled"}
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert "staff.deactivated" in actions and "keyworker.unassigned" in actions

    # A new urgent check-in skips them: straight to on-call, nothing for Alex.
    await check_in(client, ["I need help now"])
    alerts_to_alex = [r for r, _ in await outbox(runtime, chat_id=KEYWORKER_CHAT)
                      if r.status == "pending"]
    assert alerts_to_alex == []
    # On-call gets the new alert (and the finished check-in that joins it).
    assert sorted(r.kind for r, _ in await outbox(runtime, chat_id=ON_CALL_CHAT)) == [
        "alert", "alert", "alert_checkin"]
    async with runtime.db.transaction() as session:
        newest = (await session.scalars(select(Alert).order_by(Alert.created_at.desc(),
                                                                Alert.stage.desc()))).first()
        assert newest is not None and newest.stage == 1

    # Their young person now "needs a keyworker", with who key-worked them last.
    async with runtime.db.transaction() as session:
        waiting = await needs_keyworker(session, runtime.vault, service_name="North",
                                        now=clock.now())
        history = await assignment_history(session, cast.young_person_id)
    assert [(w["young_person_id"], w["nickname"], w["last_keyworker"]) for w in waiting] == [
        (cast.young_person_id, "Sam", "Alex Morgan")]
    assert history[0]["ended_because"] == "deactivated" and history[0]["to"] is not None

    # Assigned again: nobody is waiting any more.
    async with runtime.db.transaction() as session:
        await assign_keyworker(session, runtime.vault, young_person_id=cast.young_person_id,
                               keyworker_email="jo@north.example", note="Welcome Sam",
                               now=clock.now())
        assert await needs_keyworker(session, runtime.vault, service_name="North",
                                     now=clock.now()) == []


async def test_deactivation_refusals(runtime: Runtime, cast: Cast) -> None:
    team = await make_team(runtime, cast)
    async with runtime.db.transaction() as session:
        lead = await session.get(Staff, team.lead_id)
        jo = await session.get(Staff, team.on_call_id)
    assert lead is not None and jo is not None
    with pytest.raises(AdminError, match="no staff member"):
        await _deactivate(runtime, "nobody@north.example")
    with pytest.raises(AdminError, match="only a lead or admin"):
        await _deactivate(runtime, cast.keyworker_email, by=jo)
    with pytest.raises(AdminError, match="your own account"):
        await _deactivate(runtime, "lee@north.example", by=lead)
    await _deactivate(runtime, cast.keyworker_email, by=lead)
    with pytest.raises(AdminError, match="already deactivated"):
        await _deactivate(runtime, cast.keyworker_email)
    async with runtime.db.transaction() as session:
        entry = await session.scalar(select(AuditEntry).where(
            AuditEntry.action == "staff.deactivated"))
    assert entry is not None and entry.actor_id == lead.id and entry.detail == cast.keyworker_id
    # A deactivated keyworker cannot be given a new young person either.
    with pytest.raises(AdminError, match="deactivated"):
        async with runtime.db.transaction() as session:
            await admin.create_young_person(
                session, runtime.vault, service_name="North", keyworker_email=cast.keyworker_email,
                nickname="Rae", now=runtime.clock.now(), bot_username=None,
                public_url="http://x")


async def test_reset_password_gives_a_one_time_password(
    runtime: Runtime, cast: Cast
) -> None:
    hasher = PasswordHasher()
    async with runtime.db.transaction() as session:
        alex = await session.get(Staff, cast.keyworker_id)
        assert alex is not None
        assert alex.must_change_password  # the first password is someone else's choice too
        alex.must_change_password = False  # ... and they changed it
        old_hash = alex.password_hash
    await _sessions(runtime, [("a1", cast.keyworker_id)])
    async with runtime.db.transaction() as session:
        result = await reset_password(session, email=cast.keyworker_email.upper(),
                                      now=runtime.clock.now())
    password = str(result["password"])
    assert result["must_change_password"] is True and len(password) >= 16
    assert result["sessions_ended"] == 1
    async with runtime.db.transaction() as session:
        alex = await session.get(Staff, cast.keyworker_id)
        assert alex is not None and alex.must_change_password
        assert alex.password_hash != old_hash and alex.password_hash.startswith("$argon2id$")
        assert hasher.verify(alex.password_hash, password)
        with pytest.raises(VerifyMismatchError):
            hasher.verify(alex.password_hash, password + "x")
        entry = await session.scalar(select(AuditEntry).where(
            AuditEntry.action == "staff.password_reset"))
        assert entry is not None and entry.detail == alex.id
        assert password not in (entry.detail or "")
    await _deactivate(runtime, cast.keyworker_email)
    with pytest.raises(AdminError, match="deactivated"):
        async with runtime.db.transaction() as session:
            await reset_password(session, email=cast.keyworker_email, now=runtime.clock.now())


async def test_erased_young_people_do_not_need_a_keyworker(runtime: Runtime, cast: Cast) -> None:
    await _deactivate(runtime, cast.keyworker_email)
    async with runtime.db.transaction() as session:
        assert len(await needs_keyworker(session, runtime.vault, service_name="North",
                                         now=runtime.clock.now())) == 1
        await admin.erase_young_person(session, runtime.vault, cast.young_person_id,
                                       runtime.clock.now())
    async with runtime.db.transaction() as session:
        assert await needs_keyworker(session, runtime.vault, service_name="North",
                                     now=runtime.clock.now()) == []
        with pytest.raises(AdminError, match="no service"):
            await needs_keyworker(session, runtime.vault, service_name="Nowhere",
                                  now=runtime.clock.now())
