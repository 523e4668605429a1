"""The scheduler: passes due alerts on to the next circle and queues due reminders.

Both are due-timed rows in the database, so nothing is lost on restart; this loop
only looks for what has come due. Several processes may run it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from app.clock import Clock
from storage.db import Database
from storage.vault import Vault

log = logging.getLogger(__name__)


async def run_due(db: Database, vault: Vault, clock: Clock) -> tuple[int, int]:
    """One pass: (alerts escalated, reminders queued). One transaction each."""
    from flows.reminder_times import queue_due_reminders
    from safeguarding.escalation import escalate_due

    async with db.transaction() as session:
        escalated = await escalate_due(session, vault, clock.now())
    async with db.transaction() as session:
        reminded = await queue_due_reminders(session, vault, clock.now())
    return escalated, reminded


async def run_forever(
    db: Database, vault: Vault, clock: Clock, stop: asyncio.Event, *, every: float = 5.0,
    on_queued: Callable[[], None] | None = None,
) -> None:
    while not stop.is_set():
        try:
            escalated, reminded = await run_due(db, vault, clock)
            if (escalated or reminded) and on_queued:
                on_queued()
        except Exception:  # noqa: BLE001 - try again next pass; the rows are still due
            log.exception("scheduler pass failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
