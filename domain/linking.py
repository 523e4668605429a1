"""Linking a Telegram chat to a person with a one-time code from their link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.invites import peek, redeem
from storage.models import Staff, YoungPerson
from storage.repositories import audit, staff_by_telegram, young_person_by_telegram


@dataclass
class LinkResult:
    staff: Staff | None = None
    young_person: YoungPerson | None = None
    # "invalid" (unknown, used or expired code) or "already_linked" (this chat is
    # someone else's already); None when linked.
    problem: str | None = None


async def link_telegram(
    session: AsyncSession, code: str, *, user_id: int, chat_id: int, now: datetime
) -> LinkResult:
    existing_staff = await staff_by_telegram(session, user_id)
    existing_yp = await young_person_by_telegram(session, user_id)
    # Look before using the code up: a refused link (this Telegram account belongs to
    # someone else) must leave the code working for the person it was meant for.
    invite = await peek(session, code, purpose="telegram", now=now)
    if invite is None:
        return LinkResult(problem="invalid")
    if invite.subject_kind == "staff":
        staff = await session.get(Staff, invite.subject_id)
        if staff is None or existing_yp is not None or (
            existing_staff is not None and existing_staff.id != staff.id
        ):
            return LinkResult(problem="already_linked" if staff else "invalid")
        if await redeem(session, code, purpose="telegram", now=now) is None:
            return LinkResult(problem="invalid")  # someone else used it a moment ago
        staff.telegram_user_id, staff.telegram_chat_id = user_id, chat_id
        audit(session, at=now, actor_kind="staff", actor_id=staff.id, action="telegram.linked")
        return LinkResult(staff=staff)
    person = await session.get(YoungPerson, invite.subject_id)
    if person is None or existing_staff is not None or (
        existing_yp is not None and existing_yp.id != person.id
    ):
        return LinkResult(problem="already_linked" if person else "invalid")
    if await redeem(session, code, purpose="telegram", now=now) is None:
        return LinkResult(problem="invalid")
    person.telegram_user_id, person.telegram_chat_id = user_id, chat_id
    audit(
        session,
        at=now,
        actor_kind="young_person",
        actor_id=person.id,
        action="telegram.linked",
        young_person_id=person.id,
    )
    return LinkResult(young_person=person)
