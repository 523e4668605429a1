"""Moving open alerts on to the next circle when their time comes.

Alerts are rows with a due time (``next_step_at``), scanned by the scheduler, so
an escalation survives restarts. On PostgreSQL the rows are locked with SKIP
LOCKED, so two processes never escalate the same alert twice; the outbox's
dedupe keys make a repeat harmless anyway.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from safeguarding.alerts import KEYWORKER, LAST_STAGE, tell_stage
from storage.models import Alert, YoungPerson
from storage.repositories import audit
from storage.vault import KeyErased, Vault
from safeguarding.reach import chain_reach, unreached_alerts
from storage.db import dialect_of

log = logging.getLogger(__name__)


async def escalate_due(session: AsyncSession, vault: Vault, now: datetime, limit: int = 100) -> int:
    """Pass every alert whose time has come to its next circle. Returns how many."""
    stmt = (
        select(Alert)
        .where(Alert.status == "open", Alert.next_step_at.is_not(None), Alert.next_step_at <= now)
        .order_by(Alert.next_step_at)
        .limit(limit)
    )
    if dialect_of(session) == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    count = 0
    for alert in (await session.scalars(stmt)).all():
        person = await session.get(YoungPerson, alert.young_person_id)
        if person is None or alert.stage >= LAST_STAGE:
            alert.next_step_at = None
            continue
        try:
            await tell_stage(session, vault, alert, person, now, stage=alert.stage + 1)
        except KeyErased:
            alert.next_step_at = None  # their data was erased: nothing left to pass on
            continue
        count += 1
    return count


async def deliver_unreached(session: AsyncSession, vault: Vault, now: datetime,
                            limit: int = 100) -> int:
    """Open alerts that reached nobody go out as soon as anyone in the chain can be
    reached (a keyworker links Telegram, mail gets configured). Returns how many."""

    stmt = unreached_alerts().order_by(Alert.created_at).limit(limit)
    if dialect_of(session) == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    count = 0
    for alert in (await session.scalars(stmt)).all():
        person = await session.get(YoungPerson, alert.young_person_id)
        if person is None:
            continue
        if not (await chain_reach(session, person)).reachable:
            continue  # still nobody: checked again next pass, without another alarm
        try:
            told = await tell_stage(session, vault, alert, person, now, stage=KEYWORKER)
        except KeyErased:
            alert.status, alert.next_step_at = "exhausted", None  # erased: nothing to pass on
            continue
        audit(session, at=now, actor_kind="system", actor_id=None, action="alert.delivered_late",
              young_person_id=person.id, detail=f"{alert.id} told={len(told)}")
        log.warning("urgent alert %s reached someone at last (%d told)", alert.id, len(told))
        count += 1
    return count
