"""When a young person's chosen reminders fall, and queueing the ones that are due.

Times are kept as the local time they chose ("08:00" on Mondays) and turned into
the next UTC moment in the service's timezone each time one goes out, so a clock
change moves the reminder with local time. A local time that does not exist on a
spring-forward day goes out an hour later; one that happens twice in autumn, once.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import _, use_locale
from outbox.message import Message
from outbox.queue import NORMAL, enqueue
from storage.models import Reminder, Service, YoungPerson
from storage.vault import Vault
from storage.db import dialect_of

_HHMM = re.compile(r"^\s*([01]?\d|2[0-3])[:.]?([0-5]\d)\s*$")
# A reminder more than this late (the server was down) is skipped, not sent late.
STALE_AFTER = timedelta(hours=1)


def parse_time(text: str) -> str | None:
    """ "8:00", "0800", "20.30" -> "08:00" / "20:30"; None when it is not a time."""
    m = _HHMM.match(text)
    return f"{int(m.group(1)):02d}:{m.group(2)}" if m else None


def next_occurrence(weekday: int, local_time: str, tz: ZoneInfo, after: datetime) -> datetime:
    """The first moment strictly after ``after`` that is ``local_time`` on ``weekday``."""
    hh, mm = (int(p) for p in local_time.split(":"))
    local_day = after.astimezone(tz).date()
    for offset in range(8):
        day = local_day + timedelta(days=offset)
        if day.weekday() != weekday:
            continue
        # fold=0: the first of a repeated hour; a skipped hour lands after the jump.
        moment = datetime.combine(day, time(hh, mm), tzinfo=tz)
        moment = moment.astimezone(ZoneInfo("UTC")).astimezone(tz)
        if moment > after:
            return moment.astimezone(ZoneInfo("UTC"))
    raise AssertionError("a weekday always comes round within 8 days")


async def queue_due_reminders(
    session: AsyncSession, vault: Vault, now: datetime, limit: int = 500
) -> int:
    """Queue every reminder that is due and move each on to its next week."""
    stmt = (
        select(Reminder).where(Reminder.next_due_at <= now)
        .order_by(Reminder.next_due_at).limit(limit)
    )
    if dialect_of(session) == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    queued = 0
    for reminder in (await session.scalars(stmt)).all():
        person = await session.get(YoungPerson, reminder.young_person_id)
        service = await session.get(Service, person.service_id) if person else None
        if person is None or service is None:
            continue
        due = reminder.next_due_at
        reminder.next_due_at = next_occurrence(
            reminder.weekday, reminder.local_time, ZoneInfo(service.timezone), max(now, due))
        if person.paused or person.telegram_chat_id is None or now - due > STALE_AFTER:
            continue
        with use_locale(person.locale):
            text = _("Hello! This is the reminder you asked for. If you want to show how you "
                     "feel, tap /checkin. If not, that's fine too.")
        await enqueue(session, vault, chat_id=person.telegram_chat_id, message=Message(text=text),
                      kind="reminder", now=now, key_owner=person.id, priority=NORMAL,
                      dedupe_key=f"reminder:{reminder.id}:{due.isoformat()}")
        queued += 1
    return queued
