"""Monday 09:00: every keyworker gets one mood strip per young person they key-work
who had any activity in the week just ended.

Run as often as you like: each strip is queued with a dedupe key (person + week), so a
restart at 08:59 or 09:01, or two workers at once, still sends each strip exactly once.
If Heard was down at 09:00 on Monday it catches up later that week.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import _, use_locale
from domain.strips import iso_week, week_summary
from outbox.message import Message
from outbox.queue import BULK, enqueue
from storage.models import CheckIn, ListenedAnswer, OutboxMessage, Service, Staff, YoungPerson
from storage.repositories import audit, get_meta, set_meta
from storage.vault import KeyErased, Vault
from cards.strip import week_bounds

SEND_AT = time(9, 0)


def due_week(now: datetime, tz: ZoneInfo) -> str | None:
    """The ISO week whose strips are due now, or None before Monday 09:00 local."""
    local = now.astimezone(tz)
    this_monday = local.date() - timedelta(days=local.weekday())
    if local.weekday() == 0 and local.time() < SEND_AT:
        return None
    return iso_week(this_monday - timedelta(days=7))


async def _count(session: AsyncSession, model: type[CheckIn] | type[ListenedAnswer],
                 person_id: str, start: datetime, end: datetime) -> int:
    return int(await session.scalar(
        select(func.count()).select_from(model).where(
            model.young_person_id == person_id, model.created_at >= start, model.created_at < end)
    ) or 0)


async def queue_weekly_strips(session: AsyncSession, vault: Vault, now: datetime) -> int:
    """Queue the strips due now that are not queued yet; returns how many were added."""

    added = 0
    for service in (await session.scalars(select(Service))).all():
        tz = ZoneInfo(service.timezone)
        week = due_week(now, tz)
        done_key = f"weekly_strips_done:{service.id}"
        if week is None or await get_meta(session, done_key) == week:
            continue  # a cheap check: passes run every few seconds all week
        start, end = week_bounds(week, tz)
        keyworkers = (await session.scalars(select(Staff).where(
            Staff.service_id == service.id, Staff.active.is_(True),
            Staff.telegram_chat_id.is_not(None)))).all()
        for staff in keyworkers:
            people = (await session.scalars(
                select(YoungPerson).where(YoungPerson.keyworker_id == staff.id))).all()
            for person in people:
                key = f"strip:{person.id}:{week}"
                if await session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)):
                    continue
                checkins = await _count(session, CheckIn, person.id, start, end)
                listened = await _count(session, ListenedAnswer, person.id, start, end)
                if checkins == 0 and listened == 0:
                    continue
                try:
                    nickname = await vault.open(session, person.id, "young_people", person.id,
                                                person.nickname_ct)
                except KeyErased:
                    continue
                assert staff.telegram_chat_id is not None
                with use_locale(staff.locale):
                    text = _("{nickname}, week {week}: {summary}").format(
                        nickname=nickname, week=week, summary=week_summary(checkins, listened))
                await enqueue(
                    session, vault, chat_id=staff.telegram_chat_id,
                    message=Message(text=text, picture={
                        "kind": "week_strip", "young_person_id": person.id, "week": week,
                        "locale": staff.locale}),
                    kind="week_strip", now=now, key_owner=person.id, priority=BULK,
                    dedupe_key=key,
                )
                audit(session, at=now, actor_kind="staff", actor_id=staff.id,
                      action="strip.sent_to_keyworker", young_person_id=person.id, detail=week)
                added += 1
        await set_meta(session, done_key, week)
    return added
