"""Nothing can change or delete an audit row: the database itself refuses (triggers
from migration 0005), on SQLite and PostgreSQL, through the ORM or plain SQL. Erasing
a young person still works, and the audit facts about them stay."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from domain.runtime import Runtime
from domain import admin
from storage.models import AuditEntry
from storage.repositories import audit
from tests.support.people import make_cast


async def _rows(runtime: Runtime) -> list[tuple[int, str, str | None]]:
    async with runtime.db.transaction(read_only=True) as session:
        return [tuple(r) for r in (await session.execute(  # type: ignore[misc]
            select(AuditEntry.id, AuditEntry.action, AuditEntry.detail).order_by(AuditEntry.id)
        )).all()]


REFUSED = (IntegrityError, DBAPIError)


async def test_audit_rows_cannot_be_changed_or_deleted(any_runtime: Runtime) -> None:
    runtime = any_runtime
    async with runtime.db.transaction() as session:
        audit(session, at=runtime.clock.now(), actor_kind="staff", actor_id="s1",
              action="young_person.viewed", young_person_id="p1", detail="first")
        audit(session, at=runtime.clock.now(), actor_kind="staff", actor_id="s1",
              action="young_person.viewed", young_person_id="p2", detail="second")
    before = await _rows(runtime)
    assert len(before) == 2  # inserting is allowed: the log only grows

    attempts = [
        update(AuditEntry).values(detail="tampered"),
        update(AuditEntry).where(AuditEntry.id == before[0][0]).values(actor_id=None),
        delete(AuditEntry).where(AuditEntry.id == before[1][0]),
        delete(AuditEntry),
        text("UPDATE audit_log SET action = 'nothing.happened'"),
        text("DELETE FROM audit_log"),
    ]
    if runtime.db.dialect == "postgresql":
        attempts.append(text("TRUNCATE audit_log"))
    for statement in attempts:
        with pytest.raises(REFUSED, match="append-only"):
            async with runtime.db.transaction() as session:
                await session.execute(statement)
    # Through the ORM, as an app bug would do it.
    with pytest.raises(REFUSED, match="append-only"):
        async with runtime.db.transaction() as session:
            entry = await session.get(AuditEntry, before[0][0])
            assert entry is not None
            entry.detail = "rewritten"
    with pytest.raises(REFUSED, match="append-only"):
        async with runtime.db.transaction() as session:
            entry = await session.get(AuditEntry, before[0][0])
            await session.delete(entry)
    assert await _rows(runtime) == before


async def test_erasure_works_and_keeps_the_audit_facts(any_runtime: Runtime) -> None:
    runtime = any_runtime
    cast = await make_cast(runtime)
    async with runtime.db.transaction() as session:
        before = await session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.young_person_id == cast.young_person_id))
        await admin.erase_young_person(session, runtime.vault, cast.young_person_id,
                                       runtime.clock.now())
    async with runtime.db.transaction() as session:
        after = (await session.scalars(select(AuditEntry.action).where(
            AuditEntry.young_person_id == cast.young_person_id).order_by(AuditEntry.id))).all()
    assert before and len(after) == before + 1
    assert after[0] == "young_person.created" and after[-1] == "young_person.erased"
