"""Periodic jobs (weekly strips, and anything else that is due at a time).

Jobs keep no timers in memory: each pass looks at the clock and the database and
queues what is due, idempotently. So a restart, or two workers, cannot skip or
double a job.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from app.runtime import Runtime

log = logging.getLogger(__name__)

Job = Callable[[Runtime], Awaitable[int]]


async def weekly_strips_job(runtime: Runtime) -> int:
    from flows.weekly_strips import queue_weekly_strips

    async with runtime.db.transaction() as session:
        return await queue_weekly_strips(session, runtime.vault, runtime.clock.now())


async def forget_old_update_ids_job(runtime: Runtime) -> int:
    """Telegram redelivers an update for at most a day; older ids need not be kept."""
    from datetime import timedelta

    from sqlalchemy import delete

    from storage.models import ProcessedUpdate

    cutoff = runtime.clock.now() - timedelta(days=2)
    async with runtime.db.transaction() as session:
        await session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.received_at < cutoff))
    return 0  # nothing queued for the sender


DEFAULT_JOBS: tuple[Job, ...] = (weekly_strips_job, forget_old_update_ids_job)


async def run_jobs_once(runtime: Runtime, jobs: tuple[Job, ...] = DEFAULT_JOBS) -> int:
    total = 0
    for job in jobs:
        try:
            total += await job(runtime)
        except Exception:  # noqa: BLE001 - one failing job must not stop the others
            log.exception("scheduled job %s failed", getattr(job, "__name__", job))
    return total


async def run_scheduler(
    runtime: Runtime, stop: asyncio.Event, *, every: float = 30.0,
    on_queued: Callable[[], None] | None = None,
) -> None:
    while not stop.is_set():
        if await run_jobs_once(runtime) and on_queued:
            on_queued()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
