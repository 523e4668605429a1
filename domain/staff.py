"""What keyworkers do: acknowledge a check-in so the young person knows it was seen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import _, use_locale
from core.names import first_name
from outbox.message import Message
from outbox.queue import NORMAL, enqueue
from storage.models import CheckIn, Staff, WebLogin, YoungPerson
from storage.repositories import audit
from storage.vault import Vault

# Who may key-work a young person (and so read what they said). Leads see totals and
# admins manage accounts; placement staff prepare the next home. None of them read
# young people's words.
KEYWORKING_ROLES = ("keyworker",)


def can_keywork(staff: Staff) -> bool:
    return staff.active and staff.role in KEYWORKING_ROLES


@dataclass
class AckResult:
    ok: bool
    already: bool = False
    by: str | None = None  # who acknowledged (first name), for "already seen by"
    at: datetime | None = None


async def keyworker_of(
    session: AsyncSession, staff: Staff, young_person_id: str
) -> YoungPerson | None:
    """The young person, if ``staff`` is their keyworker right now; otherwise None.

    The one rule behind every staff view of a young person: it reads the current
    assignment each time, so a handover or a deactivation takes effect at once.
    """
    if not can_keywork(staff) or not young_person_id or len(young_person_id) > 32:
        return None
    person = await session.get(YoungPerson, young_person_id)
    if person is None or person.keyworker_id != staff.id:
        return None
    return person


async def acknowledge_checkin(
    session: AsyncSession, vault: Vault, staff: Staff, checkin_id: str, now: datetime
) -> AckResult:
    """Mark a check-in seen and tell the young person. Only their keyworker may."""
    checkin = await session.get(CheckIn, checkin_id) if len(checkin_id) <= 32 else None
    if checkin is None:
        return AckResult(ok=False)
    person = await keyworker_of(session, staff, checkin.young_person_id)
    if person is None:
        audit(
            session, at=now, actor_kind="staff", actor_id=staff.id,
            action="checkin.ack_refused", young_person_id=checkin.young_person_id,
        )
        return AckResult(ok=False)
    if checkin.acknowledged_at is not None:
        by = await session.get(Staff, checkin.acknowledged_by) if checkin.acknowledged_by else None
        return AckResult(ok=True, already=True, by=first_name(by.name) if by else None,
                         at=checkin.acknowledged_at)
    checkin.acknowledged_at = now
    checkin.acknowledged_by = staff.id
    audit(
        session, at=now, actor_kind="staff", actor_id=staff.id,
        action="checkin.acknowledged", young_person_id=person.id, detail=checkin.id,
    )
    if person.telegram_chat_id is not None:
        with use_locale(person.locale):
            text = _("{name} has seen your check-in.").format(name=first_name(staff.name))
        await enqueue(
            session, vault, chat_id=person.telegram_chat_id, message=Message(text=text),
            kind="ack", now=now, key_owner=person.id, priority=NORMAL,
            dedupe_key=f"ack:{checkin.id}",
        )
    return AckResult(ok=True, by=first_name(staff.name), at=now)


async def acknowledgement_notice(session: AsyncSession, person: YoungPerson) -> str | None:
    """"Alex has seen your check-in", once, for acknowledgements made since their
    last web visit (on Telegram the bot says it; on the web the sign-in does)."""
    login = await session.get(WebLogin, person.id)
    stmt = (select(CheckIn).where(CheckIn.young_person_id == person.id,
                                  CheckIn.acknowledged_at.is_not(None))
            .order_by(CheckIn.acknowledged_at.desc()).limit(1))
    if login is not None and login.acks_seen_at is not None:
        stmt = stmt.where(CheckIn.acknowledged_at > login.acks_seen_at)
    latest = await session.scalar(stmt)
    if latest is None:
        return None
    if login is not None:
        login.acks_seen_at = latest.acknowledged_at
    staff = await session.get(Staff, latest.acknowledged_by) if latest.acknowledged_by else None
    if staff is None:
        return None
    return _("{name} has seen your check-in.").format(name=first_name(staff.name))
