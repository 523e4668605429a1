"""Words a member of staff writes to one young person — a reply, what changed because
of a check-in: sealed with the young person's key, sent at once on Telegram (outbox),
shown on the web at their next visit, each exactly once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import _, use_locale
from core.names import first_name
from outbox.message import Message
from outbox.queue import NORMAL, enqueue
from storage.models import Change, Staff, StaffReply, YoungPerson, _WrittenToAYoungPerson, new_id
from storage.repositories import audit
from storage.vault import Vault

@dataclass(frozen=True)
class Outcome:
    """What came of something staff wrote: ``problem`` is said back to them; ok=False
    with no problem means an id that is not theirs to act on (a 404)."""

    ok: bool
    problem: str | None = None


def clean(text: str) -> str:
    # Invisible characters alone are not words.
    visible = "".join(ch for ch in text if ch.isprintable() or ch == "\n")
    return visible.strip()


def problem_with(text: str, limit: int, empty: str) -> str | None:
    """Why cleaned words cannot be kept (``empty`` when there are none), or None."""
    if not text:
        return empty
    if len(text) > limit:
        return _("Please keep it under {n} characters.").format(n=limit)
    return None


# What the young person reads: (the writer's first name, the words) -> the message.
Say = Callable[[str, str], str]
Written = type[StaffReply] | type[Change]


async def write(session: AsyncSession, vault: Vault, model: Written, *, staff: Staff,
                person: YoungPerson, checkin_id: str | None, text: str, now: datetime,
                action: str, kind: str, say: Say) -> None:
    """Keep the words (sealed, audited) and tell the young person on Telegram now, or on
    the web at their next visit."""
    table = model.__tablename__
    row_id = new_id()
    row = model(id=row_id, young_person_id=person.id, checkin_id=checkin_id or None,
                staff_id=staff.id, created_at=now,
                body_ct=await vault.seal(session, person.id, table, row_id, text))
    session.add(row)
    audit(session, at=now, actor_kind="staff", actor_id=staff.id, action=action,
          young_person_id=person.id, detail=row_id)
    if person.telegram_chat_id is not None:
        with use_locale(person.locale):
            message = say(first_name(staff.name), text)
        await enqueue(session, vault, chat_id=person.telegram_chat_id,
                      message=Message(text=message), kind=kind, now=now,
                      key_owner=person.id, priority=NORMAL, dedupe_key=f"{table}:{row_id}")
        row.shown_at = now


async def to_show(session: AsyncSession, vault: Vault, model: Written, person: YoungPerson,
                  now: datetime, say: Say, nobody: str = "") -> list[str]:
    """What the web has not shown them yet, oldest first, as they read it; marked shown."""
    rows = cast(Sequence[_WrittenToAYoungPerson], (await session.scalars(
        select(model).where(model.young_person_id == person.id, model.shown_at.is_(None))
        .order_by(model.created_at))).all())
    out = []
    for row in rows:
        author = await session.get(Staff, row.staff_id) if row.staff_id else None
        text = await vault.open(session, person.id, model.__tablename__, row.id, row.body_ct)
        out.append(say(first_name(author.name) if author else nobody, text))
        row.shown_at = now
    return out
