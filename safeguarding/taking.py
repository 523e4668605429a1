""""I'm on it": a staff member takes an urgent alert.

Taking is atomic (UPDATE ... WHERE status = 'open'), so when two people tap at
once exactly one takes it and the other is told who did. Taking stops the
escalation, tells everyone else who was alerted, acknowledges the check-in and
tells the young person an adult is on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import _, use_locale
from core.names import first_name
from outbox.message import Message
from outbox.queue import URGENT, enqueue
from outbox.routes import Email, alert_url, tell_staff
from safeguarding.alerts import recipients
from storage.models import Alert, CheckIn, Staff, YoungPerson
from storage.repositories import audit
from storage.vault import Vault
from storage.db import rows_changed


@dataclass
class TakeResult:
    ok: bool
    already: bool = False
    by: str | None = None  # first name of whoever has it


async def _may_take(session: AsyncSession, staff: Staff, alert: Alert) -> bool:
    if staff.service_id != alert.service_id or not staff.active:
        return False
    if staff.role in ("lead", "admin") or staff.on_call:
        return True
    person = await session.get(YoungPerson, alert.young_person_id)
    if person is not None and person.keyworker_id == staff.id:
        return True
    return any(s.id == staff.id for s in await recipients(session, alert.id))


async def take_alert(
    session: AsyncSession, vault: Vault, staff: Staff, alert_id: str, now: datetime
) -> TakeResult:
    alert = await session.get(Alert, alert_id) if len(alert_id) <= 32 else None
    if alert is None:
        return TakeResult(ok=False)
    if not await _may_take(session, staff, alert):
        audit(session, at=now, actor_kind="staff", actor_id=staff.id, action="alert.take_refused",
              young_person_id=alert.young_person_id, detail=alert.id)
        return TakeResult(ok=False)
    result = await session.execute(
        update(Alert)
        .where(Alert.id == alert_id, Alert.status == "open")
        .values(status="taken", taken_at=now, taken_by=staff.id, next_step_at=None)
        .execution_options(synchronize_session="fetch")
    )
    if rows_changed(result) != 1:
        await session.refresh(alert)
        holder = await session.get(Staff, alert.taken_by) if alert.taken_by else None
        return TakeResult(ok=True, already=True, by=first_name(holder.name) if holder else None)
    name = first_name(staff.name)
    audit(session, at=now, actor_kind="staff", actor_id=staff.id, action="alert.taken",
          young_person_id=alert.young_person_id, detail=f"{alert.id} stage={alert.stage}")
    person = await session.get(YoungPerson, alert.young_person_id)
    nickname = (
        await vault.open(session, person.id, "young_people", person.id, person.nickname_ct)
        if person else "?"
    )
    for other in await recipients(session, alert.id):
        if other.id == staff.id:
            continue
        with use_locale(other.locale):
            text = _("\u2714 {name} is on it: the urgent alert about {nickname}.").format(
                name=name, nickname=nickname)
            email = Email(
                subject=_("{name} is on the urgent alert").format(name=name),
                text=_("\u2714 {name} is on it: the urgent alert you were sent. {url}").format(
                    name=name, url=alert_url(alert.id)))
        await tell_staff(session, vault, other, telegram=Message(text=text), email=email,
                         kind="alert_taken", now=now, key_owner=alert.young_person_id,
                         priority=URGENT, dedupe_key=f"alert-taken:{alert.id}:{other.id}")
    if alert.checkin_id:
        checkin = await session.get(CheckIn, alert.checkin_id)
        if checkin is not None and checkin.acknowledged_at is None:
            checkin.acknowledged_at, checkin.acknowledged_by = now, staff.id
    if person is not None and person.telegram_chat_id is not None:
        with use_locale(person.locale):
            text = _("{name} knows, and is going to help you.").format(name=name)
        await enqueue(session, vault, chat_id=person.telegram_chat_id, message=Message(text=text),
                      kind="alert_taken_yp", now=now, key_owner=person.id, priority=URGENT,
                      dedupe_key=f"alert-taken-yp:{alert.id}")
    return TakeResult(ok=True, by=name)
