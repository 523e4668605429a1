"""Operator actions for safeguarding and delivery: on-call staff, escalation times,
a service's own risk phrases, and what the outbox is holding."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.admin import AdminError, require_service
from safeguarding.lexicon import EXCEPTION, categories
from safeguarding.matcher import tokens
from storage.models import LexiconPhrase, OutboxMessage, new_id
from storage.repositories import audit, staff_by_email


async def set_on_call(session: AsyncSession, email: str, on: bool, now: datetime) -> dict[str, Any]:
    staff = await staff_by_email(session, email)
    if staff is None:
        raise AdminError(f"no staff member {email!r}")
    if on and staff.role == "commissioner":
        raise AdminError("a commissioner sees totals only, so cannot be on call")
    staff.on_call = on
    audit(session, at=now, actor_kind="operator", actor_id=None,
          action="staff.on_call" if on else "staff.off_call", detail=staff.id)
    return {"staff_id": staff.id, "email": staff.email, "on_call": on,
            "telegram_linked": staff.telegram_chat_id is not None}


async def set_escalation(session: AsyncSession, service_name: str, on_call: int, lead: int,
                         now: datetime) -> dict[str, Any]:
    service = await require_service(session, service_name)
    if not 1 <= on_call < lead <= 24 * 60:
        raise AdminError("on-call minutes must be at least 1 and less than lead minutes")
    service.escalate_on_call_minutes, service.escalate_lead_minutes = on_call, lead
    audit(session, at=now, actor_kind="operator", actor_id=None, action="service.escalation",
          detail=f"{service.id} {on_call}/{lead}")
    return {"service": service.name, "on_call_minutes": on_call, "lead_minutes": lead}


async def lexicon_add(session: AsyncSession, service_name: str, category: str, phrase: str,
                      locale: str, now: datetime) -> dict[str, Any]:
    service = await require_service(session, service_name)
    known = categories(locale)
    category = category.strip().lower()
    if category != EXCEPTION and category not in known:
        raise AdminError(f"category must be one of: {', '.join(known + [EXCEPTION])}")
    phrase = " ".join(phrase.split())
    if not tokens(phrase) or len(phrase) > 200:
        raise AdminError("a phrase needs some words (at most 200 characters)")
    row = LexiconPhrase(id=new_id(), service_id=service.id, locale=locale, category=category,
                        phrase=phrase, created_at=now)
    session.add(row)
    audit(session, at=now, actor_kind="operator", actor_id=None, action="lexicon.added",
          detail=f"{service.id} {category}")
    return {"id": row.id, "service": service.name, "category": category, "phrase": phrase,
            "locale": locale}


async def lexicon_list(session: AsyncSession, service_name: str) -> dict[str, Any]:
    service = await require_service(session, service_name)
    rows = (await session.scalars(select(LexiconPhrase).where(
        LexiconPhrase.service_id == service.id).order_by(LexiconPhrase.category,
                                                         LexiconPhrase.phrase))).all()
    return {"service": service.name, "phrases": [
        {"id": r.id, "category": r.category, "phrase": r.phrase, "locale": r.locale}
        for r in rows]}


async def outbox_report(session: AsyncSession, now: datetime, *,
                        include_sent: bool = False) -> dict[str, Any]:
    """What is waiting or failed: never the content (it is encrypted, and private)."""
    counts = dict((await session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))).all())
    stmt = select(OutboxMessage).order_by(OutboxMessage.priority, OutboxMessage.due_at).limit(1000)
    if not include_sent:
        stmt = stmt.where(OutboxMessage.status.in_(("pending", "undelivered")))
    messages = [
        {"id": m.id, "status": m.status, "kind": m.kind, "priority": m.priority,
         "channel": m.channel, "chat_id": m.chat_id, "attempts": m.attempts, "created_at": m.created_at.isoformat(),
         "due_at": m.due_at.isoformat(), "sent_at": m.sent_at.isoformat() if m.sent_at else None,
         "last_error": m.last_error}
        for m in (await session.scalars(stmt)).all()
    ]
    return {"now": now.isoformat(), "counts": counts, "messages": messages}


async def set_unfinished_minutes(session: AsyncSession, service_name: str, minutes: int,
                                 now: datetime) -> dict[str, Any]:
    """Minutes of silence before a half-finished check-in is recorded as it stands."""
    service = await require_service(session, service_name)
    if not 5 <= minutes <= 24 * 60:
        raise AdminError("unfinished minutes must be between 5 and 1440")
    service.unfinished_checkin_minutes = minutes
    audit(session, at=now, actor_kind="operator", actor_id=None, action="service.unfinished",
          detail=f"{service.id} {minutes}")
    return {"service": service.name, "unfinished_minutes": minutes}
