"""Raising an urgent alert and telling staff, circle by circle.

Stage 0 is the young person's keyworker, at once. Unless someone taps "I'm on it",
the scheduler (``safeguarding.escalation``) moves the alert on: stage 1, the
service's on-call staff, after ``escalate_on_call_minutes``; stage 2, the service
lead(s), after ``escalate_lead_minutes``. Each person is told by every route they
have (``outbox.routes``: Telegram, email). A stage with nobody reachable is passed
straight away: waiting for someone who cannot be told helps nobody. When no circle
can be reached, the service's admins are told; when not even they can be, the alert
has reached nobody: that is logged at ERROR, ``/healthz`` says "degraded", and the
scheduler (``safeguarding.escalation.deliver_unreached``) delivers it as soon as any
route appears. Every message goes through the outbox as URGENT, in the caller's
transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import N_, _, use_locale
from cards.deck import get_card
from outbox.message import Button, Message
from outbox.queue import URGENT
from outbox.routes import Email, alert_url, routes_of, tell_staff
from safeguarding.signals import CERTAIN, Signal
from storage.models import Alert, AlertRecipient, CheckIn, Service, Staff, YoungPerson, new_id
from storage.repositories import audit
from storage.vault import Vault

KEYWORKER, ON_CALL, LEAD = 0, 1, 2
LAST_STAGE = LEAD
# Not a circle the alert climbs to: admins are told only when no circle can be reached.
ADMINS = 3
STAGE_NAMES = {KEYWORKER: "keyworker", ON_CALL: "on_call", LEAD: "lead", ADMINS: "admin"}
_TABLE = "alerts"
log = logging.getLogger(__name__)

CATEGORY_LABELS = {
    "suicide": N_("suicide"),
    "self_harm": N_("self-harm"),
    "abuse": N_("abuse"),
    "being_hurt": N_("being hurt"),
    "running_away": N_("running away"),
}


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

    Returns the alert and the staff told now (for the young person's screen; empty
    when nobody at all could be reached).
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
    """Tell the staff of ``stage`` (moving on past empty stages) and set the next step.

    Returns everyone told now, admins included when no circle could be reached."""
    service = await session.get(Service, alert.service_id)
    assert service is not None
    told: list[Staff] = []
    while True:
        alert.stage = stage
        staff = await _not_yet_told(session, alert, await circle(session, person, stage))
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
        told.extend(await _tell_admins(session, vault, alert, person, now))
    return told


def _next_step_at(alert: Alert, service: Service) -> datetime | None:
    if alert.stage == KEYWORKER:
        return alert.created_at + timedelta(minutes=service.escalate_on_call_minutes)
    if alert.stage == ON_CALL:
        return alert.created_at + timedelta(minutes=service.escalate_lead_minutes)
    return None  # the last circle: it stays open until someone takes it


async def circle(session: AsyncSession, person: YoungPerson, stage: int) -> Sequence[Staff]:
    """The active staff of one circle of a young person's alert chain."""
    base = select(Staff).where(Staff.service_id == person.service_id, Staff.active.is_(True))
    if stage == KEYWORKER:
        if person.keyworker_id is None:
            return []
        return (await session.scalars(base.where(Staff.id == person.keyworker_id))).all()
    if stage == ON_CALL:
        return (await session.scalars(base.where(Staff.on_call.is_(True)).order_by(Staff.id))).all()
    if stage == ADMINS:
        return (await session.scalars(base.where(Staff.role == "admin").order_by(Staff.id))).all()
    return (await session.scalars(base.where(Staff.role == "lead").order_by(Staff.id))).all()


async def _not_yet_told(session: AsyncSession, alert: Alert, staff: Sequence[Staff]) -> list[Staff]:
    told = set(
        (await session.scalars(
            select(AlertRecipient.staff_id).where(AlertRecipient.alert_id == alert.id)
        )).all()
    )
    return [s for s in staff if s.id not in told and routes_of(s)]


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
    nickname = await vault.open(session, person.id, "young_people", person.id, person.nickname_ct)
    detail = await vault.open(session, person.id, _TABLE, alert.id, alert.detail_ct)
    service = await session.get(Service, alert.service_id)
    with use_locale(staff.locale):
        text = alert_text(alert, detail, nickname, service.name if service else "", staff, now)
        message = Message(
            text=text,
            buttons=((Button(_("I'm on it"), "take", alert.id),),),
            card_ids=tuple(detail.get("cards") or ()),
        )
        email = alert_email(alert, service.name if service else "", now)
    session.add(AlertRecipient(alert_id=alert.id, staff_id=staff.id, stage=alert.stage,
                               told_at=now))
    routes = await tell_staff(session, vault, staff, telegram=message, email=email, kind="alert",
                              now=now, key_owner=person.id, priority=URGENT,
                              dedupe_key=f"alert:{alert.id}:{staff.id}")
    audit(session, at=now, actor_kind="staff", actor_id=staff.id, action="alert.sent_to_staff",
          young_person_id=person.id,
          detail=f"{alert.id} stage={alert.stage} via={'+'.join(routes)}")


def alert_email(alert: Alert, service_name: str, now: datetime) -> Email:
    """The alert by email, in the current locale: that an urgent check-in is waiting
    and where to see it. Never who, never what they said."""
    lines = [_("An urgent check-in from a young person at {service} is waiting for you.").format(
        service=service_name)]
    if alert.stage in (ON_CALL, LEAD):
        minutes = int((now - alert.created_at).total_seconds() // 60)
        lines.append(_("Nobody has said they are on it for {minutes} minutes.").format(
            minutes=minutes))
    lines.append(_("See it and say you are on it here: {url}").format(url=alert_url(alert.id)))
    lines.append(_("Or tap \u201cI'm on it\u201d on the Telegram alert, if you have it."))
    return Email(subject=_("URGENT: a young person needs help now"), text="\n\n".join(lines))


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
) -> list[Staff]:
    """Nobody in any circle can be reached: the service's admins must fix that now.
    When not even an admin can be reached, the alert has reached nobody: say so loudly."""
    admins = [a for a in await circle(session, person, ADMINS) if routes_of(a)]
    audit(session, at=now, actor_kind="system", actor_id=None, action="alert.nobody_reachable",
          young_person_id=person.id, detail=f"{alert.id} admins={len(admins)}")
    if not admins:
        log.error("urgent alert %s (service %s) reached NOBODY: no keyworker, on-call staff, "
                  "lead or admin has Telegram linked or email on. It stays open and is sent "
                  "as soon as anyone can be reached. See: python run.py admin check",
                  alert.id, alert.service_id)
        return []
    log.warning("urgent alert %s (service %s) could reach no keyworker, on-call staff or lead; "
                "telling %d admin(s)", alert.id, alert.service_id, len(admins))
    for admin in admins:
        with use_locale(admin.locale):
            text = _("\U0001f6a8 An urgent alert could not reach any keyworker, on-call staff or "
                     "lead. Please find who is on shift and make sure someone is with the young "
                     "person now. Alert: {id}").format(id=alert.id)
            email = Email(
                subject=_("URGENT: an alert could not reach any keyworker, on-call staff or lead"),
                text="\n\n".join([text, _("See it here: {url}").format(url=alert_url(alert.id)),
                                   _("Find out why with: python run.py admin check")]))
        session.add(AlertRecipient(alert_id=alert.id, staff_id=admin.id, stage=ADMINS,
                                   told_at=now))
        await tell_staff(session, vault, admin, telegram=Message(text=text), email=email,
                         kind="alert_unreachable", now=now, priority=URGENT,
                         dedupe_key=f"alert-unreachable:{alert.id}:{admin.id}")
    return admins
