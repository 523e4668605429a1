"""Putting messages in the outbox and taking them out to send.

Claiming is atomic: on PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets several senders
share the queue without sending anything twice; on SQLite one sender runs and the
database's single writer does the rest.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import BindParameter, Executable, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from outbox.message import Message
from storage.db import announce, dialect_of
from storage.models import OutboxMessage, new_id
from storage.vault import SYSTEM_OWNER, KeyErased, Vault

URGENT = 0
NORMAL = 5
BULK = 9
# Announced when a message is queued; the sender listens (Database.on_commit).
OUTBOX = "outbox"

_TABLE = "outbox"


async def enqueue(
    session: AsyncSession,
    vault: Vault,
    *,
    chat_id: int,
    message: Message,
    kind: str,
    now: datetime,
    key_owner: str = SYSTEM_OWNER,
    priority: int = NORMAL,
    due_at: datetime | None = None,
    dedupe_key: str | None = None,
    channel: str = "telegram",
) -> OutboxMessage:
    """Add a message to send. Call inside the transaction that records its cause.

    ``channel`` picks the sender's transport: "telegram" (``chat_id`` is the chat) or
    "email" (the address is in the message; ``chat_id`` is ``outbox.email.chat_key``
    of it, so pacing per recipient works the same way)."""
    row_id = new_id()
    row = OutboxMessage(
        id=row_id,
        created_at=now,
        due_at=due_at or now,
        priority=priority,
        channel=channel,
        chat_id=chat_id,
        key_owner=key_owner,
        kind=kind,
        payload_ct=await vault.seal(session, key_owner, _TABLE, row_id, message.to_json()),
        status="pending",
        attempts=0,
        dedupe_key=dedupe_key,
    )
    session.add(row)
    # The sender wakes right after the commit, whichever unit of work queued it.
    announce(session, OUTBOX)
    return row


@dataclass
class Claimed:
    id: str
    chat_id: int
    kind: str
    priority: int
    attempts: int
    created_at: datetime
    message: Message | None  # None when the owner's key was erased
    channel: str = "telegram"
    # Claimed from a sender whose lease ran out (it died mid-send): Telegram may
    # already have this message, so sending it now may send it twice.
    taken_over: bool = False


@functools.cache
def _claim_statement(excluding: bool, by_channel: bool, postgresql: bool) -> Executable:
    """The claiming query, built once per shape (the sender runs it after every commit
    that queued a message)."""
    # Plain columns, not ORM objects: a batch is read once and never modified here.
    o = OutboxMessage
    now: BindParameter[datetime] = bindparam("now")
    stmt = (
        select(o.id, o.chat_id, o.kind, o.priority, o.attempts, o.created_at, o.key_owner,
               o.payload_ct, o.channel, o.locked_until)
        .where(
            o.status == "pending",
            o.due_at <= now,
            or_(o.locked_until.is_(None), o.locked_until < now),
        )
        .order_by(o.priority, o.created_at)
        .limit(bindparam("limit"))
    )
    if excluding:
        stmt = stmt.where(o.chat_id.not_in(bindparam("exclude", expanding=True)))
    if by_channel:
        # Only what this sender can deliver: rows for a route it lacks wait for one that has it.
        stmt = stmt.where(o.channel.in_(bindparam("channels", expanding=True)))
    if postgresql:
        stmt = stmt.with_for_update(skip_locked=True)
    return stmt


async def claim_due(
    session: AsyncSession,
    vault: Vault,
    *,
    worker: str,
    now: datetime,
    limit: int,
    lease: timedelta = timedelta(seconds=60),
    exclude_chats: frozenset[int] = frozenset(),
    channels: frozenset[str] | None = None,
) -> list[Claimed]:
    """Lease up to ``limit`` due messages to this worker: most urgent first, then
    oldest first (a message handed back to wait for its chat keeps its place).

    A lease that runs out (a sender killed mid-send) makes the row claimable again:
    that is what makes delivery survive SIGKILL.
    """
    stmt = _claim_statement(bool(exclude_chats), channels is not None,
                            dialect_of(session) == "postgresql")
    rows = (await session.execute(stmt, {
        "now": now, "limit": limit, "exclude": list(exclude_chats),
        "channels": sorted(channels or ())})).all()
    if not rows:
        return []
    # One UPDATE for the whole batch: the lease is what makes a crash harmless.
    await session.execute(_LEASE, {"ids": [row.id for row in rows], "worker": worker,
                                   "until": now + lease})
    claimed: list[Claimed] = []
    for row in rows:
        try:
            message = Message.from_json(
                await vault.open(session, row.key_owner, _TABLE, row.id, row.payload_ct)
            )
        except KeyErased:
            message = None
        claimed.append(
            Claimed(row.id, row.chat_id, row.kind, row.priority, row.attempts, row.created_at,
                    message, row.channel, taken_over=row.locked_until is not None)
        )
    return claimed


# Built once: the sender runs these after nearly every send, so they skip the ORM
# and the per-call statement building.
_t = OutboxMessage.__table__.c
_LEASE = (
    update(OutboxMessage.__table__)  # type: ignore[arg-type]  # a Table: FromClause in the stubs
    .where(_t.id.in_(bindparam("ids", expanding=True)))
    .values(locked_by=bindparam("worker"), locked_until=bindparam("until"))
)
_MARK_SENT = (
    update(OutboxMessage.__table__)  # type: ignore[arg-type]  # a Table: FromClause in the stubs
    .where(_t.id.in_(bindparam("ids", expanding=True)), _t.locked_by == bindparam("worker"))
    .values(status="sent", sent_at=bindparam("now"), locked_until=None, attempts=_t.attempts + 1)
)


async def mark_sent_many(
    session: AsyncSession, message_ids: list[str], worker: str, now: datetime
) -> None:
    """Record messages as sent in one statement (only rows this worker still holds)."""
    if not message_ids:
        return
    await session.execute(_MARK_SENT, {"ids": message_ids, "worker": worker, "now": now})


async def mark_retry(
    session: AsyncSession,
    message_id: str,
    worker: str,
    *,
    due_at: datetime,
    error: str,
    count: bool = True,
) -> None:
    """Put a message back for later; ``count=False`` when it was not really tried
    (Telegram said "slow down", or pacing deferred it)."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.locked_by == worker)
        .values(
            due_at=due_at,
            locked_until=None,
            locked_by=None,
            attempts=OutboxMessage.attempts + (1 if count else 0),
            last_error=error[:500],
        )
    )


async def mark_final(
    session: AsyncSession, message_id: str, worker: str, *, status: str, error: str
) -> None:
    """Stop trying: ``undelivered`` (gave up) or ``cancelled`` (nothing left to send)."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.locked_by == worker)
        .values(
            status=status,
            locked_until=None,
            attempts=OutboxMessage.attempts + 1,
            last_error=error[:500],
        )
    )
