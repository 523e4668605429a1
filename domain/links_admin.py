"""Operators renewing a way in: a fresh one-time link for a young person or a
member of staff, and a PIN reset.

A new link retires the person's old unused links of the same kind, so a lost or
leaked invitation stops working the moment a new one is made.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from domain.admin import LINK_LIFETIME, AdminError, telegram_link
from storage.models import DataKey, InviteCode, WebLogin, WebSession, YoungPerson
from storage.repositories import audit, issue_code, staff_by_email

CHANNELS = ("telegram", "web")


async def _young_person(session: AsyncSession, person_id: str) -> YoungPerson:
    person = await session.get(YoungPerson, person_id) if len(person_id) <= 32 else None
    if person is None:
        raise AdminError(f"no young person {person_id!r} (see: admin list young-people)")
    if await session.get(DataKey, person.id) is None:
        raise AdminError(f"young person {person_id!r} was erased: there is nobody to link")
    return person


async def _fresh_code(session: AsyncSession, *, purpose: str, kind: str, subject_id: str,
                      now: datetime) -> str:
    await session.execute(delete(InviteCode).where(
        InviteCode.subject_id == subject_id, InviteCode.subject_kind == kind,
        InviteCode.purpose == purpose, InviteCode.used_at.is_(None)))
    return await issue_code(session, purpose=purpose, subject_kind=kind, subject_id=subject_id,
                            now=now, expires_at=now + LINK_LIFETIME)


async def new_young_person_link(
    session: AsyncSession, person_id: str, channel: str | None, *, now: datetime,
    bot_username: str | None, public_url: str,
) -> dict[str, Any]:
    """A fresh one-time link (Telegram, web, or both when ``channel`` is None)."""
    if channel is not None and channel not in CHANNELS:
        raise AdminError(f"channel must be one of: {', '.join(CHANNELS)}")
    person = await _young_person(session, person_id)
    result: dict[str, Any] = {"young_person_id": person.id}
    if channel in (None, "telegram"):
        code = await _fresh_code(session, purpose="telegram", kind="young_person",
                                 subject_id=person.id, now=now)
        result["invite_code"] = code
        result["telegram_link"] = telegram_link(bot_username, code)
    if channel in (None, "web"):
        code = await _fresh_code(session, purpose="web", kind="young_person",
                                 subject_id=person.id, now=now)
        result["web_link"] = f"{public_url}/j/{code}"
    result["expires_at"] = (now + LINK_LIFETIME).isoformat()
    audit(session, at=now, actor_kind="operator", actor_id=None, action="link.renewed",
          young_person_id=person.id, detail=channel or "telegram+web")
    return result


async def new_staff_link(
    session: AsyncSession, email: str, *, now: datetime, bot_username: str | None,
) -> dict[str, Any]:
    staff = await staff_by_email(session, email)
    if staff is None:
        raise AdminError(f"no staff member {email!r} (see: admin list staff)")
    if not staff.active:
        raise AdminError(f"{staff.email} is deactivated")
    code = await _fresh_code(session, purpose="telegram", kind="staff", subject_id=staff.id,
                             now=now)
    audit(session, at=now, actor_kind="operator", actor_id=None, action="link.renewed",
          detail=f"{staff.id} telegram")
    return {"staff_id": staff.id, "email": staff.email, "invite_code": code,
            "telegram_link": telegram_link(bot_username, code),
            "expires_at": (now + LINK_LIFETIME).isoformat()}


async def reset_pin(
    session: AsyncSession, person_id: str, *, now: datetime, public_url: str,
) -> dict[str, Any]:
    """Clear a young person's PIN and lock-out (their old personal link and any web
    sessions end too) and make a new one-time web link to choose a new PIN."""
    person = await _young_person(session, person_id)
    had_pin = await session.get(WebLogin, person.id) is not None
    await session.execute(delete(WebLogin).where(WebLogin.young_person_id == person.id))
    await session.execute(delete(WebSession).where(WebSession.young_person_id == person.id))
    code = await _fresh_code(session, purpose="web", kind="young_person", subject_id=person.id,
                             now=now)
    audit(session, at=now, actor_kind="operator", actor_id=None, action="web.pin_reset",
          young_person_id=person.id)
    return {"young_person_id": person.id, "pin_cleared": had_pin,
            "web_link": f"{public_url}/j/{code}",
            "expires_at": (now + LINK_LIFETIME).isoformat()}
