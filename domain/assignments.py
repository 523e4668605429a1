"""Keyworker assignments: the one place ``young_people.keyworker_id`` changes, so the
history in ``keyworker_assignments`` always matches it (one open row per person)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import KeyworkerAssignment, Staff, YoungPerson, new_id


def actor_of(by: Staff | None) -> tuple[str, str | None]:
    return ("staff", by.id) if by is not None else ("operator", None)


async def open_assignment(session: AsyncSession, person_id: str) -> KeyworkerAssignment | None:
    return await session.scalar(
        select(KeyworkerAssignment)
        .where(KeyworkerAssignment.young_person_id == person_id,
               KeyworkerAssignment.ended_at.is_(None))
        .order_by(KeyworkerAssignment.started_at.desc())
        .limit(1)
    )


async def start_assignment(
    session: AsyncSession, person: YoungPerson, staff: Staff, now: datetime,
    by: Staff | None = None, row_id: str | None = None,
) -> KeyworkerAssignment:
    """Make ``staff`` the keyworker from now (the caller has closed any open row)."""
    # The tables have no ORM relationships, so the person and staff rows (perhaps new
    # in this transaction) must reach the database before a row that points at them.
    await session.flush()
    kind, actor_id = actor_of(by)
    row = KeyworkerAssignment(
        id=row_id or new_id(), young_person_id=person.id, staff_id=staff.id, started_at=now,
        assigned_by_kind=kind, assigned_by_id=actor_id,
    )
    session.add(row)
    person.keyworker_id = staff.id
    return row


async def end_assignment(
    session: AsyncSession, person: YoungPerson, now: datetime, reason: str
) -> KeyworkerAssignment | None:
    """Close the open row and clear the keyworker: from now, nobody key-works them."""
    current = await open_assignment(session, person.id)
    if current is not None:
        current.ended_at, current.ended_reason = now, reason
    person.keyworker_id = None
    return current
