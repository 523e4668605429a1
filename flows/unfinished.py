"""Nothing a young person started is lost.

While a check-in with cards chosen is open, its flow state carries a due time
(``flow_states.unfinished_due_at``). If it is still open after the service's silence
window, the scheduler records it as it stands — marked unfinished — and the
keyworker is told as for any check-in. The young person can still finish it later:
their state is kept, and finishing completes that same record.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.context import FlowContext, Services
from domain.records import record_checkin
from flows.state import State, load_state, save_state
from storage.models import FlowState, YoungPerson
from storage.vault import KeyErased
from storage.db import dialect_of


def waiting(state: State) -> bool:
    """A check-in with something chosen that has not been recorded yet."""
    return (state.flow == "checkin" and bool(state.data.get("cards"))
            and not state.data.get("recorded"))


async def due_at(ctx: FlowContext, state: State) -> datetime | None:
    if not waiting(state):
        return None
    minutes = (await ctx.service()).unfinished_checkin_minutes
    return ctx.clock.now() + timedelta(minutes=minutes)


async def record_as_it_stands(ctx: FlowContext, state: State) -> None:
    """Record the check-in in ``state`` as far as it got, marked unfinished."""
    data = state.data
    await record_checkin(
        ctx, cards=list(data["cards"]), amount=data.get("amount"), help_choice=data.get("help"),
        words=None, checkin_id=data.get("checkin_id"), alert_id=data.get("alert_id"),
        unfinished=True,
    )
    data["recorded"] = True


async def record_unfinished_due(
    session: AsyncSession, services: Services, now: datetime, limit: int = 100
) -> int:
    """The scheduler's pass: record every check-in silent for longer than its
    service's window. Returns how many were recorded."""
    stmt = (select(FlowState)
            .where(FlowState.unfinished_due_at.is_not(None), FlowState.unfinished_due_at <= now)
            .order_by(FlowState.unfinished_due_at).limit(limit))
    if dialect_of(session) == "postgresql":
        # Several processes may run the scheduler: each row is recorded by one.
        stmt = stmt.with_for_update(skip_locked=True)
    count = 0
    for row in (await session.scalars(stmt)).all():
        row.unfinished_due_at = None
        person = await session.get(YoungPerson, row.owner)
        if person is None:
            continue
        try:
            state = await load_state(session, services.vault, person.id)
            if state is None or not waiting(state):
                continue
            ctx = FlowContext(session=session, services=services, person=person,
                              channel=str(state.data.get("channel") or "telegram"))
            await record_as_it_stands(ctx, state)
            # Kept where it was (same token), so they can carry on and finish it.
            await save_state(session, services.vault, person.id, state, row.updated_at)
        except KeyErased:
            continue  # their data was erased: there is nothing left to record
        count += 1
    return count
