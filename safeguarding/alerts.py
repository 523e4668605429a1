"""Raising an urgent alert and telling staff, circle by circle.

Stage 0 is the young person's keyworker, at once. Unless someone taps "I'm on it",
the scheduler (``safeguarding.escalation``) moves the alert on: stage 1, the
service's on-call staff, after ``escalate_on_call_minutes``; stage 2, the service
lead(s), after ``escalate_lead_minutes``. A stage with nobody reachable on Telegram
is passed straight away: waiting for someone who cannot be told helps nobody.
Every message goes through the outbox as URGENT, in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.i18n import N_, _, use_locale
from cards.deck import get_card
from outbox.message import Button, Message
from outbox.queue import URGENT, enqueue
from safeguarding.signals import CERTAIN, Signal
from storage.models import Alert, AlertRecipient, CheckIn, Service, Staff, YoungPerson, new_id
from storage.repositories import audit
from storage.vault import Vault

KEYWORKER, ON_CALL, LEAD = 0, 1, 2
LAST_STAGE = LEAD
_TABLE = "alerts"

CATEGORY_LABELS = {
    "suicide": N_("suicide"),
    "self_harm": N_("self-harm"),
    "abuse": N_("abuse"),
    "being_hurt": N_("being hurt"),
    "running_away": N_("running away"),
}


def take_button_data(alert_id: str) -> str:
    return f"take:{alert_id}"


async def raise_alert(
    session: AsyncSession,
    vault: Vault,
    *,
    person: YoungPerson,
    checkin: CheckIn | None,
    payload: dict,
    signal: Signal,
    now: datetime,
) -> tuple[Alert, list[Staff]]:
    """Store the alert and tell the first circle that can be reached.

    ``checkin`` is None when the signal came from words typed outside a check-in.

    Returns the alert and the staff told now (for the young person's screen).
    """
    alert_id = new_id()
    detail = _detail(payload, signal.cards, signal)
    alert = Alert(
        id=alert_id,
        young_person_id=person.id,
        service_id=person.service_id,
        checkin_id=checkin.id if checkin is not None else None,
        created_at=now,
        certainty=signal.certainty,
        detail_ct=await vault.seal(session, person.id, _TABLE, alert_id, detail),
        stage=KEYWORKER,
        status="open",
    )
    session.add(alert)
    # Never what they said: only that an alert exists, how sure, and from what.
    audit(session, at=now, actor_kind="young_person", actor_id=person.id, action="alert.raised",
          young_person_id=person.id, detail=f"{alert_id} {signal.certainty} {signal.source}")
    told = await tell_stage(session, vault, alert, person, now, stage=KEYWORKER)
    return alert, told


def _detail(payload: dict, urgent_cards: Sequence[str], signal: Signal | None) -> dict:
    return {
        "cards": list(payload.get("cards", [])),
        "urgent_cards": list(urgent_cards),
        "words": payload.get("words"),
        "matches": [{"category": m.category, "phrase": m.phrase}
                    for m in (signal.matches if signal else ())],
    }


async def reseal_detail(
    session: AsyncSession, vault: Vault, alert: Alert, payload: dict, signal: Signal | None
) -> None:
    """The check-in behind an alert raised at the tap is now complete (or recorded as
    far as it got): the alert carries all of it. The urgent cards that raised it stay
    named, even if one was tapped off again afterwards."""
    before = await vault.open(session, alert.young_person_id, _TABLE, alert.id, alert.detail_ct)
    urgent = list(before.get("urgent_cards") or [])
    urgent += [c for c in (signal.cards if signal else ()) if c not in urgent]
    alert.detail_ct = await vault.seal(session, alert.young_person_id, _TABLE, alert.id,
                                       _detail(payload, urgent, signal))


async def tell_stage(
    session: AsyncSession,
    vault: Vault,
    alert: Alert,
    person: YoungPerson,
    now: datetime,
    *,
    stage: int,
) -> list[Staff]:
    """Tell the staff of ``stage`` (moving on past empty stages) and set the next step."""
    service = await session.get(Service, alert.service_id)
    assert service is not None
    told: list[Staff] = []
    while True:
        alert.stage = stage
        staff = await _not_yet_told(session, alert, await _circle(session, person, stage))
        for member in staff:
            await _send_alert(session, vault, alert, person, member, now)
        told.extend(staff)
        audit(session, at=now, actor_kind="system", actor_id=None, action="alert.escalated"
              if stage else "alert.sent", young_person_id=person.id,
              detail=f"{alert.id} stage={stage} told={len(staff)}")
        if staff or stage == LAST_STAGE:
            break
        stage += 1
    alert.next_step_at = _next_step_at(alert, service)
    if not told and stage == LAST_STAGE and not await _anyone_told(session, alert):
        await _tell_admins(session, vault, alert, person, now)
    return told


def _next_step_at(alert: Alert, service: Service) -> datetime | None:
    if alert.stage == KEYWORKER:
        return alert.created_at + timedelta(minutes=service.escalate_on_call_minutes)
    if alert.stage == ON_CALL:
        return alert.created_at + timedelta(minutes=service.escalate_lead_minutes)
    return None  # the last circle: it stays open until someone takes it


async def _circle(session: AsyncSession, person: YoungPerson, stage: int) -> Sequence[Staff]:
    base = select(Staff).where(Staff.service_id == person.service_id, Staff.active.is_(True))
    if stage == KEYWORKER:
        if person.keyworker_id is None:
            return []
        return (await session.scalars(base.where(Staff.id == person.keyworker_id))).all()
    if stage == ON_CALL:
        return (await session.scalars(base.where(Staff.on_call.is_(True)).order_by(Staff.id))).all()
    return (await session.scalars(base.where(Staff.role == "lead").order_by(Staff.id))).all()


async def _not_yet_told(session: AsyncSession, alert: Alert, staff: Sequence[Staff]) -> list[Staff]:
    told = set(
        (await session.scalars(
            select(AlertRecipient.staff_id).where(AlertRecipient.alert_id == alert.id)
        )).all()
    )
    return [s for s in staff if s.id not in told and s.telegram_chat_id is not None]


async def _anyone_told(session: AsyncSession, alert: Alert) -> bool:
    return (await session.scalar(
        select(AlertRecipient.staff_id).where(AlertRecipient.alert_id == alert.id).limit(1)
    )) is not None


async def recipients(session: AsyncSession, alert_id: str) -> Sequence[Staff]:
    return (await session.scalars(
        select(Staff).join(AlertRecipient, AlertRecipient.staff_id == Staff.id)
        .where(AlertRecipient.alert_id == alert_id)
    )).all()


async def _send_alert(
    session: AsyncSession, vault: Vault, alert: Alert, person: YoungPerson, staff: Staff,
    now: datetime,
) -> None:
    assert staff.telegram_chat_id is not None
    nickname = await vault.open(session, person.id, "young_people", person.id, person.nickname_ct)
    detail = await vault.open(session, person.id, _TABLE, alert.id, alert.detail_ct)
    service = await session.get(Service, alert.service_id)
    with use_locale(staff.locale):
        text = alert_text(alert, detail, nickname, service.name if service else "", staff, now)
        message = Message(
            text=text,
            buttons=((Button(_("I'm on it"), take_button_data(alert.id)),),),
            card_ids=tuple(detail.get("cards") or ()),
        )
    session.add(AlertRecipient(alert_id=alert.id, staff_id=staff.id, stage=alert.stage,
                               told_at=now))
    await enqueue(session, vault, chat_id=staff.telegram_chat_id, message=message, kind="alert",
                  now=now, key_owner=person.id, priority=URGENT,
                  dedupe_key=f"alert:{alert.id}:{staff.id}")
    audit(session, at=now, actor_kind="staff", actor_id=staff.id, action="alert.sent_to_staff",
          young_person_id=person.id, detail=f"{alert.id} stage={alert.stage}")


def alert_text(
    alert: Alert, detail: dict, nickname: str, service_name: str, staff: Staff, now: datetime
) -> str:
    """The staff member's alert, in the current locale: what fired it and why them."""
    if alert.certainty == CERTAIN:
        cards = ", ".join("\u201c" + _(get_card(c).label) + "\u201d" for c in detail["urgent_cards"])
        lines = [_("\U0001f6a8 URGENT: {nickname} tapped {cards}.").format(
            nickname=nickname, cards=cards)]
    else:
        lines = [_("\U0001f6a8 URGENT (possible): some words from {nickname} may mean they are "
                   "not safe.").format(nickname=nickname)]
    if detail.get("matches"):
        why = ", ".join(
            _("{category} (\u201c{phrase}\u201d)").format(
                category=_(CATEGORY_LABELS.get(m["category"], m["category"])), phrase=m["phrase"])
            for m in detail["matches"]
        )
        lines.append(_("Possible match: {why}. Please read their words.").format(why=why))
    if detail.get("cards"):
        lines.append(_("Cards: {cards}").format(
            cards=", ".join(_(get_card(c).label) for c in detail["cards"])))
    if detail.get("words"):
        lines.append(_("In their words: \u201c{words}\u201d").format(words=detail["words"]))
    minutes = int((now - alert.created_at).total_seconds() // 60)
    if alert.stage == ON_CALL:
        lines.append(_("You are on call for {service}. Nobody has said they are on it for "
                       "{minutes} minutes.").format(service=service_name, minutes=minutes))
    elif alert.stage == LEAD:
        lines.append(_("You are a lead for {service}. Nobody has said they are on it for "
                       "{minutes} minutes.").format(service=service_name, minutes=minutes))
    lines.append(_("Tap \u201cI'm on it\u201d when you are dealing with it, so others know."))
    return "\n\n".join(lines)


async def _tell_admins(
    session: AsyncSession, vault: Vault, alert: Alert, person: YoungPerson, now: datetime
) -> None:
    """Nobody in any circle can be reached: the service's admins must fix that now."""
    admins = (await session.scalars(
        select(Staff).where(Staff.service_id == alert.service_id, Staff.role == "admin",
                            Staff.active.is_(True), Staff.telegram_chat_id.is_not(None))
    )).all()
    audit(session, at=now, actor_kind="system", actor_id=None, action="alert.nobody_reachable",
          young_person_id=person.id, detail=f"{alert.id} admins={len(admins)}")
    for admin in admins:
        assert admin.telegram_chat_id is not None
        with use_locale(admin.locale):
            text = _("\U0001f6a8 An urgent alert could not reach any keyworker, on-call staff or "
                     "lead on Telegram. Please find who is on shift and make sure someone is "
                     "with the young person now. Alert: {id}").format(id=alert.id)
        await enqueue(session, vault, chat_id=admin.telegram_chat_id, message=Message(text=text),
                      kind="alert_unreachable", now=now, priority=URGENT,
                      dedupe_key=f"alert-unreachable:{alert.id}:{admin.id}")
