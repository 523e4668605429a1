"""Staff accounts: switching one off, giving a new one-time password, and the young
people left without a keyworker.

Every function here takes ``by``: the lead or admin acting on the web, or None for
the operator at the command line. Each change is audited.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.admin import AdminError, hash_password, require_service
from domain.assignments import actor_of, end_assignment
from domain.handover import require_manager
from safeguarding.alerts import KEYWORKER
from storage.models import (
    Alert,
    DataKey,
    InviteCode,
    KeyworkerAssignment,
    OutboxMessage,
    Staff,
    StaffSession,
    YoungPerson,
)
from storage.repositories import audit, staff_by_email
from storage.vault import KeyErased, Vault
from storage.db import rows_changed


async def _require_staff(session: AsyncSession, email: str) -> Staff:
    staff = await staff_by_email(session, email)
    if staff is None:
        raise AdminError(f"no staff member {email.strip().lower()!r}")
    return staff


async def end_staff_sessions(session: AsyncSession, staff_id: str) -> int:
    """End every signed-in desk session of a staff member; returns how many."""
    result = await session.execute(delete(StaffSession).where(StaffSession.staff_id == staff_id))
    return rows_changed(result)


async def deactivate_staff(
    session: AsyncSession, *, email: str, now: datetime, by: Staff | None = None
) -> dict[str, object]:
    """Switch an account off at once.

    Sign-in is refused (``active`` is False), their sessions end, their unused links
    stop working, messages still waiting for them are cancelled, alerts skip them
    (every alert circle asks for active staff), and each young person they key-worked
    is left "needing a keyworker" for the lead. Any open alert about those young
    people that was waiting on them moves on to on-call staff now, not in 15 minutes.
    """
    staff = await _require_staff(session, email)
    require_manager(by, staff.service_id)
    if by is not None and by.id == staff.id:
        raise AdminError("you cannot switch off your own account")
    if not staff.active:
        raise AdminError(f"{staff.email} is already deactivated")
    staff.active, staff.on_call, staff.deactivated_at = False, False, now
    kind, actor_id = actor_of(by)
    audit(session, at=now, actor_kind=kind, actor_id=actor_id, action="staff.deactivated",
          detail=staff.id)
    sessions_ended = await end_staff_sessions(session, staff.id)
    await session.execute(delete(InviteCode).where(
        InviteCode.subject_kind == "staff", InviteCode.subject_id == staff.id,
        InviteCode.used_at.is_(None)))
    cancelled = 0
    if staff.telegram_chat_id is not None:
        result = await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.chat_id == staff.telegram_chat_id,
                   OutboxMessage.status == "pending")
            .values(status="cancelled", last_error="the staff member was deactivated")
        )
        cancelled = rows_changed(result)
    people = (await session.scalars(
        select(YoungPerson).where(YoungPerson.keyworker_id == staff.id).order_by(YoungPerson.id)
    )).all()
    for person in people:
        await end_assignment(session, person, now, "deactivated")
        audit(session, at=now, actor_kind=kind, actor_id=actor_id, action="keyworker.unassigned",
              young_person_id=person.id, detail=f"{staff.id} deactivated")
    if people:
        await session.execute(
            update(Alert)
            .where(Alert.young_person_id.in_([p.id for p in people]), Alert.status == "open",
                   Alert.stage == KEYWORKER, Alert.next_step_at > now)
            .values(next_step_at=now)
        )
    return {
        "staff_id": staff.id,
        "email": staff.email,
        "active": False,
        "sessions_ended": sessions_ended,
        "messages_cancelled": cancelled,
        "young_people_needing_keyworker": [p.id for p in people],
    }


async def reset_password(
    session: AsyncSession, *, email: str, now: datetime, by: Staff | None = None
) -> dict[str, object]:
    """A new one-time password, shown once; it must be changed at the next sign-in.

    Their sessions end too: a reset often means someone else may know the old one.
    """
    staff = await _require_staff(session, email)
    require_manager(by, staff.service_id)
    if not staff.active:
        raise AdminError(f"{staff.email} is deactivated; a deactivated account cannot sign in")
    password = secrets.token_urlsafe(12)
    staff.password_hash = hash_password(password)
    staff.must_change_password = True
    sessions_ended = await end_staff_sessions(session, staff.id)
    kind, actor_id = actor_of(by)
    audit(session, at=now, actor_kind=kind, actor_id=actor_id, action="staff.password_reset",
          detail=staff.id)
    return {"staff_id": staff.id, "email": staff.email, "password": password,
            "must_change_password": True, "sessions_ended": sessions_ended}


async def needs_keyworker(
    session: AsyncSession, vault: Vault, *, service_name: str | None = None,
    service_id: str | None = None, by: Staff | None = None, now: datetime,
) -> list[dict[str, object]]:
    """Young people of a service with no active keyworker, longest waiting first.

    For the lead: a nickname to know who, their unit, since when and who key-worked
    them last. Nothing they said. People whose data was erased are not listed.
    """
    if service_id is None:
        service_id = (await require_service(session, service_name or "")).id
    require_manager(by, service_id)
    people = (await session.scalars(
        select(YoungPerson)
        .join(DataKey, DataKey.owner == YoungPerson.id)  # erased people have no key
        .outerjoin(Staff, Staff.id == YoungPerson.keyworker_id)
        .where(YoungPerson.service_id == service_id,
               or_(YoungPerson.keyworker_id.is_(None), Staff.active.is_(False)))
    )).all()
    listed: list[dict[str, object]] = []
    for person in people:
        last = await session.scalar(
            select(KeyworkerAssignment)
            .where(KeyworkerAssignment.young_person_id == person.id)
            .order_by(KeyworkerAssignment.started_at.desc(),
                      KeyworkerAssignment.ended_at.desc()).limit(1))
        before = await session.get(Staff, last.staff_id) if last and last.staff_id else None
        try:
            nickname = await vault.open(session, person.id, "young_people", person.id,
                                        person.nickname_ct)
        except KeyErased:
            continue
        since = (last.ended_at or last.started_at) if last else person.created_at
        listed.append({
            "young_person_id": person.id,
            "nickname": nickname,
            "unit": person.unit,
            "since": since.isoformat(),
            "last_keyworker": before.name if before else None,
        })
    listed.sort(key=lambda row: str(row["since"]))
    kind, actor_id = actor_of(by)
    audit(session, at=now, actor_kind=kind, actor_id=actor_id, action="needs_keyworker.listed",
          detail=f"{service_id} {len(listed)}")
    return listed
