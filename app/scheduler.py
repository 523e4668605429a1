"""The scheduler: whatever is due at a time — alerts passed on to the next circle,
reminders young people asked for, Monday's mood strips, housekeeping.

Jobs keep no timers in memory. Each pass looks at the clock and the database and
queues what has come due, idempotently (due-timed rows, dedupe keys), so a restart
cannot skip or double anything, and several processes may run it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from domain.buddies import close_due, settling_in_due
from domain.context import Services
from domain.moves import moves_due
from domain.my_data import SCRUB_DUE, forget_erased_chats, remind_overdue
from domain.reminder_times import queue_due_reminders
from domain.weekly_strips import queue_weekly_strips
from flows.unfinished import record_unfinished_due
from safeguarding.escalation import deliver_unreached, escalate_due
from storage.db import Database
from storage.models import Meta, ProcessedUpdate
from storage.rotation import retire_if_due
from storage.vault import Vault

log = logging.getLogger(__name__)

# A job queues what is due now and returns how many messages it queued.
Job = Callable[[Database, Vault, Clock], Awaitable[int]]


# Most jobs are one domain step, due at ``now``, in a transaction of its own.
Step = Callable[[AsyncSession, Vault, datetime], Awaitable[int]]


def _one_step(step: Step) -> Job:
    async def job(db: Database, vault: Vault, clock: Clock) -> int:
        async with db.transaction() as session:
            return await step(session, vault, clock.now())

    return job


escalations = _one_step(escalate_due)
unreached_alerts = _one_step(deliver_unreached)
reminders = _one_step(queue_due_reminders)
weekly_strips = _one_step(queue_weekly_strips)
placement_moves = _one_step(moves_due)
# Buddy messages close by themselves when the first week is over (both told).
buddy_relays = _one_step(close_due)
# "How is it going?" the morning after a move, and a week on.
settling_in = _one_step(settling_in_due)


async def unfinished_checkins(db: Database, vault: Vault, clock: Clock) -> int:
    async with db.transaction() as session:
        return await record_unfinished_due(session, Services(vault=vault, clock=clock),
                                           clock.now())


async def data_requests(db: Database, vault: Vault, clock: Clock) -> int:
    """Requests to delete data past their due time are brought to the lead and admins
    (never decided by themselves); after an approved erasure, the deleted key is wiped
    from the database files and the goodbye's chat id is forgotten once it has gone."""
    async with db.transaction() as session:
        reminded = await remind_overdue(session, vault, clock.now())
        await forget_erased_chats(session)
        scrub = await session.get(Meta, SCRUB_DUE) is not None
    if scrub:
        await db.scrub_deleted_keys()  # raises (and the next pass retries) when busy
        async with db.transaction() as session:
            await session.execute(delete(Meta).where(Meta.key == SCRUB_DUE))
    return reminded


async def forget_old_update_ids(db: Database, vault: Vault, clock: Clock) -> int:
    """Telegram redelivers an update for at most a day; older ids need not be kept."""
    async with db.transaction() as session:
        await session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.received_at < clock.now() - timedelta(days=2))
        )
    return 0


async def retire_keys(db: Database, vault: Vault, clock: Clock) -> int:
    """Destroy old master keys once an erasure's retirement is due (one process runs
    it; the others find it done or the lock taken). Each pass also re-reads the key
    file if it changed, so retired keys leave this process's memory too."""
    vault.keys.refresh()
    await retire_if_due(db, vault, clock.now())
    return 0


# Most urgent first: an escalation must not wait behind a long strip pass.
JOBS: dict[str, Job] = {
    "escalations": escalations,
    "unreached_alerts": unreached_alerts,
    "unfinished_checkins": unfinished_checkins,
    "reminders": reminders,
    "weekly_strips": weekly_strips,
    "placement_moves": placement_moves,
    "data_requests": data_requests,
    "buddy_relays": buddy_relays,
    "settling_in": settling_in,
    "forget_old_update_ids": forget_old_update_ids,
    "retire_keys": retire_keys,
}


async def run_due(db: Database, vault: Vault, clock: Clock) -> dict[str, int]:
    """One pass over every job; one failing job does not stop the others."""
    queued: dict[str, int] = {}
    for name, job in JOBS.items():
        try:
            queued[name] = await job(db, vault, clock)
        except Exception as error:  # noqa: BLE001 - the rows are still due; the next pass retries
            if not db.is_fault(error):  # database faults are told once, by their watch
                log.exception("scheduled job %s failed", name)
            queued[name] = 0
    return queued


async def run_forever(
    db: Database, vault: Vault, clock: Clock, stop: asyncio.Event, *, every: float = 5.0,
) -> None:
    # What a job queues wakes the outbox sender as its unit of work commits.
    while not stop.is_set():
        await run_due(db, vault, clock)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
