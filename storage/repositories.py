"""Queries and inserts, by table. Repositories never commit: the caller's
transaction (storage.db.Database.transaction) does, once."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, delete, exists, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    AuditEntry,
    CheckIn,
    DataKey,
    FlowState,
    InviteCode,
    KpiCount,
    ListenedAnswer,
    Meta,
    ProcessedUpdate,
    Service,
    ServiceLanguageOff,
    Staff,
    YoungPerson,
)
from storage.db import dialect_of, rows_changed


def _insert_for(session: AsyncSession):
    return pg_insert if dialect_of(session) == "postgresql" else sqlite_insert


# -- services and people ------------------------------------------------------------


async def service_by_name(session: AsyncSession, name: str) -> Service | None:
    return await session.scalar(select(Service).where(func.lower(Service.name) == name.lower()))


async def staff_by_email(session: AsyncSession, email: str) -> Staff | None:
    return await session.scalar(select(Staff).where(Staff.email == email.strip().lower()))


async def staff_by_telegram(session: AsyncSession, user_id: int) -> Staff | None:
    return await session.scalar(select(Staff).where(Staff.telegram_user_id == user_id))


async def young_person_by_telegram(session: AsyncSession, user_id: int) -> YoungPerson | None:
    return await session.scalar(select(YoungPerson).where(YoungPerson.telegram_user_id == user_id))


# Statements every Telegram update runs are built once: building one costs more than
# SQLite takes to answer it (docs/performance.md).
_WITH_CONTEXT = (
    select(YoungPerson, FlowState, DataKey, Service,
           # Whether their service has switched their language off since.
           exists().where(ServiceLanguageOff.service_id == YoungPerson.service_id,
                          ServiceLanguageOff.locale == YoungPerson.locale))
    .join(Service, Service.id == YoungPerson.service_id)
    .outerjoin(FlowState, FlowState.owner == YoungPerson.id)
    .outerjoin(DataKey, DataKey.owner == YoungPerson.id)
    .where(YoungPerson.telegram_user_id == bindparam("user_id"))
)


async def young_person_with_context(
    session: AsyncSession, user_id: int
) -> tuple[YoungPerson, bool] | None:
    """The young person behind a Telegram user, loaded together with their flow state,
    wrapped data key and service in one query: they land in the session's identity
    map, so the rest of the update reads them without another round trip. With it,
    whether their service has switched their language off."""
    row = (await session.execute(_WITH_CONTEXT, {"user_id": user_id})).first()
    if row is None:
        return None
    # The identity map holds clean objects weakly: keep them alive for this unit of work.
    session.info["heard_preloaded"] = tuple(row[:4])
    return row[0], bool(row[4])


async def young_people_of_keyworker(session: AsyncSession, staff_id: str) -> Sequence[YoungPerson]:
    return (
        await session.scalars(select(YoungPerson).where(YoungPerson.keyworker_id == staff_id))
    ).all()


# -- one-time codes -------------------------------------------------------------------


def hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


async def issue_code(
    session: AsyncSession,
    *,
    purpose: str,
    subject_kind: str,
    subject_id: str,
    now: datetime,
    expires_at: datetime | None = None,
) -> str:
    # 128 bits, URL-safe, and short enough for Telegram's 64-character start parameter.
    code = secrets.token_urlsafe(16)
    session.add(
        InviteCode(
            code_hash=hash_code(code),
            purpose=purpose,
            subject_kind=subject_kind,
            subject_id=subject_id,
            created_at=now,
            expires_at=expires_at,
        )
    )
    return code


async def claim_code(session: AsyncSession, code_hash: str, now: datetime) -> bool:
    """Mark a code used. The UPDATE ... WHERE used_at IS NULL makes it atomic: of two
    transactions racing with one code, only one gets True. (Whether a code may be
    used at all is domain.invites.is_open's decision.)"""
    result = await session.execute(
        update(InviteCode)
        .where(InviteCode.code_hash == code_hash, InviteCode.used_at.is_(None))
        .values(used_at=now)
    )
    return rows_changed(result) == 1


async def close_other_codes(session: AsyncSession, subject_id: str, *, keep: str,
                            now: datetime) -> int:
    """Close (mark used) every other open code of one subject; returns how many."""
    result = await session.execute(
        update(InviteCode)
        .where(InviteCode.subject_id == subject_id, InviteCode.code_hash != keep,
               InviteCode.used_at.is_(None))
        .values(used_at=now)
    )
    return rows_changed(result)


# -- what young people tell us --------------------------------------------------------


async def checkins_between(
    session: AsyncSession, young_person_id: str, start: datetime, end: datetime
) -> Sequence[CheckIn]:
    return (
        await session.scalars(
            select(CheckIn)
            .where(
                CheckIn.young_person_id == young_person_id,
                CheckIn.created_at >= start,
                CheckIn.created_at < end,
            )
            .order_by(CheckIn.created_at)
        )
    ).all()


async def listened_between(
    session: AsyncSession, young_person_id: str, start: datetime, end: datetime
) -> Sequence[ListenedAnswer]:
    return (
        await session.scalars(
            select(ListenedAnswer)
            .where(
                ListenedAnswer.young_person_id == young_person_id,
                ListenedAnswer.created_at >= start,
                ListenedAnswer.created_at < end,
            )
            .order_by(ListenedAnswer.created_at)
        )
    ).all()


async def count_kpi_answer(
    session: AsyncSession, *, service_id: str, month: str, question: str, answer: str
) -> None:
    """Add one to a KPI total (an upsert: one row per service, month, question, answer)."""
    insert = _insert_for(session)
    stmt = insert(KpiCount).values(
        service_id=service_id, month=month, question=question, answer=answer, count=1
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["service_id", "month", "question", "answer"],
            set_={"count": KpiCount.count + 1},
        )
    )


async def kpi_counts(
    session: AsyncSession, service_id: str, month_from: str | None, month_to: str | None
) -> Sequence[tuple[str, str, str, int]]:
    stmt = (
        select(KpiCount.month, KpiCount.question, KpiCount.answer, KpiCount.count)
        .where(KpiCount.service_id == service_id)
        .order_by(KpiCount.month, KpiCount.question, KpiCount.answer)
    )
    if month_from:
        stmt = stmt.where(KpiCount.month >= month_from)
    if month_to:
        stmt = stmt.where(KpiCount.month <= month_to)
    return [tuple(row) for row in (await session.execute(stmt)).all()]  # type: ignore[misc]


async def kpi_counts_for_services(
    session: AsyncSession, service_ids: Sequence[str], month_from: str | None,
    month_to: str | None,
) -> Sequence[tuple[str, str, str, str, int]]:
    """(service id, month, question, answer, count) of several services at once."""
    if not service_ids:
        return []
    stmt = select(KpiCount.service_id, KpiCount.month, KpiCount.question, KpiCount.answer,
                  KpiCount.count).where(KpiCount.service_id.in_(service_ids))
    if month_from:
        stmt = stmt.where(KpiCount.month >= month_from)
    if month_to:
        stmt = stmt.where(KpiCount.month <= month_to)
    return [tuple(row) for row in (await session.execute(stmt)).all()]  # type: ignore[misc]


# -- audit --------------------------------------------------------------------------------


def audit(
    session: AsyncSession,
    *,
    at: datetime,
    actor_kind: str,
    actor_id: str | None,
    action: str,
    young_person_id: str | None = None,
    detail: str | None = None,
) -> None:
    session.add(
        AuditEntry(
            at=at,
            actor_kind=actor_kind,
            actor_id=actor_id,
            action=action,
            young_person_id=young_person_id,
            detail=detail,
        )
    )


# -- Telegram bookkeeping ---------------------------------------------------------------


_CLAIM_UPDATE = {
    # The table, not the mapped class: a statement with its parameters apart would
    # otherwise take the ORM's bulk path, which reports no row count.
    name: insert(ProcessedUpdate.__table__)  # type: ignore[arg-type]
    .values(update_id=bindparam("update_id"), received_at=bindparam("received_at"))
    .on_conflict_do_nothing(index_elements=["update_id"])
    for name, insert in (("sqlite", sqlite_insert), ("postgresql", pg_insert))
}


async def claim_update(session: AsyncSession, update_id: int, now: datetime) -> bool:
    """Record an update id; False when it was already handled (a redelivery)."""
    claim = _CLAIM_UPDATE[dialect_of(session)]
    result = await session.execute(claim, {"update_id": update_id, "received_at": now})
    return rows_changed(result) == 1


async def get_meta(session: AsyncSession, key: str) -> str | None:
    row = await session.get(Meta, key)
    return row.value if row else None


async def set_meta(session: AsyncSession, key: str, value: str) -> None:
    insert = _insert_for(session)
    await session.execute(
        insert(Meta)
        .values(key=key, value=value)
        .on_conflict_do_update(index_elements=["key"], set_={"value": value})
    )


async def insert_meta_once(session: AsyncSession, key: str, value: str) -> None:
    """Set a fact only if no process has set it yet (several may start at once)."""
    insert = _insert_for(session)
    await session.execute(
        insert(Meta).values(key=key, value=value).on_conflict_do_nothing(index_elements=["key"])
    )


async def delete_meta(session: AsyncSession, key: str) -> None:
    await session.execute(delete(Meta).where(Meta.key == key))
