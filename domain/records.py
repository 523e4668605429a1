"""Recording what a young person tells us, and telling their keyworker.

Everything is sealed with the young person's own data key, and the keyworker's
notification goes into the outbox in the same transaction: if the check-in is
stored, the notification will be sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from core.i18n import N_, _, use_locale
from cards.deck import get_card
from domain.context import FlowContext
from outbox.message import Button, Message
from outbox.queue import NORMAL, URGENT, enqueue
from safeguarding.alerts import raise_alert, recipients, reseal_detail
from safeguarding.lexicon import service_lexicon
from safeguarding.signals import Signal, detect, urgent_card_ids
from storage.models import Alert, CheckIn, ListenedAnswer, Staff, new_id
from storage.repositories import audit, count_kpi_answer

# What a young person can choose in a check-in, as keyworkers and the desk read them too.
AMOUNTS = {"a_little": N_("A little"), "a_lot": N_("A lot")}
HELP_OPTIONS = {
    "talk": N_("Talk to my keyworker"),
    "sit": N_("Just sit with me"),
    "space": N_("Some space"),
    "nothing": N_("Nothing right now"),
}


def amount_label(key: str) -> str:
    return _(AMOUNTS[key])


def help_label(key: str) -> str:
    return _(HELP_OPTIONS[key])


LISTENED_WHO = {
    "keyworker": N_("My keyworker"),
    "social_worker": N_("My social worker"),
    "camhs": N_("My mental health worker (CAMHS)"),
    "home": N_("Where I live"),
    "someone_else": N_("Someone else"),
}
LISTENED_ANSWERS = {
    "not_at_all": N_("Not at all"),
    "a_little": N_("A little"),
    "mostly": N_("Mostly"),
    "totally": N_("Yes, totally"),
    "dont_know": N_("I don't know"),
}
# A face on each answer, so it can be read without reading.
LISTENED_FACES = {
    "not_at_all": "\U0001f61e",
    "a_little": "\U0001f610",
    "mostly": "\U0001f642",
    "totally": "\U0001f600",
    "dont_know": "\U0001f937",
}
# "Overall, how good is the help you get here?" — our own wording, five faces and
# "I don't know", asked after "felt listened to" at most once a month.
SATISFACTION_QUESTION = "satisfaction"
SATISFACTION_ANSWERS = {
    "very_bad": N_("Really bad"),
    "bad": N_("Not good"),
    "ok": N_("OK"),
    "good": N_("Good"),
    "very_good": N_("Really good"),
    "dont_know": N_("I don't know"),
}
SATISFACTION_FACES = {
    "very_bad": "\U0001f62b",
    "bad": "\U0001f61f",
    "ok": "\U0001f610",
    "good": "\U0001f642",
    "very_good": "\U0001f604",
    "dont_know": "\U0001f937",
}


@dataclass(frozen=True)
class Crisis:
    """An urgent signal was raised: what the young person must be told about it.

    ``told``: their keyworker's first name when the keyworker is among the adults being
    told now; ``reached``: whether anyone in the alert chain could be told by any route;
    ``mid_checkin``: raised at the tap of an urgent card, with the check-in still open.
    The words themselves are chosen in one place, ``flows.crisis``."""

    told: str | None
    reached: bool
    mid_checkin: bool = False


@dataclass
class CheckInOutcome:
    checkin: CheckIn
    crisis: Crisis | None = None


def kpi_month(when: datetime, tz: ZoneInfo) -> str:
    return when.astimezone(tz).strftime("%Y-%m")


async def record_checkin(
    ctx: FlowContext, *, cards: list[str], amount: str | None, help_choice: str | None,
    words: str | None, checkin_id: str | None = None, alert_id: str | None = None,
    unfinished: bool = False,
) -> CheckInOutcome:
    """Store a check-in (or complete the one already recorded as unfinished under
    ``checkin_id``) and tell the keyworker.

    ``alert_id``: the alert its urgent card raised at the tap. The check-in joins that
    alert — one alert, not two — and the adults already told get the rest of it.
    """
    for card_id in cards:
        get_card(card_id)  # unknown ids never reach the database
    now = ctx.clock.now()
    payload = {"cards": cards, "amount": amount, "help": help_choice, "words": words}
    checkin = await ctx.session.get(CheckIn, checkin_id) if checkin_id else None
    finishing_later = checkin is not None and checkin.unfinished and not unfinished
    if checkin is None:
        checkin = CheckIn(id=checkin_id or new_id(), young_person_id=ctx.person.id,
                          channel=ctx.channel, created_at=now)
        ctx.session.add(checkin)
    checkin.unfinished = unfinished
    checkin.payload_ct = await ctx.vault.seal(ctx.session, ctx.person.id, "checkins", checkin.id,
                                              payload)
    alert = await ctx.session.get(Alert, alert_id) if alert_id else None
    crisis: Crisis | None
    if alert is not None:
        crisis = await _join_alert(ctx, alert, checkin, payload, unfinished=unfinished)
    else:
        crisis = await _safeguard(ctx, checkin, payload)
        if crisis is None:
            # An urgent check-in reaches the keyworker as the alert itself (with the
            # cards and words), not as a second, ordinary message.
            await notify_keyworker_of_checkin(ctx, checkin, payload,
                                              finishing_later=finishing_later)
    if unfinished:
        audit(ctx.session, at=now, actor_kind="system", actor_id=None,
              action="checkin.recorded_unfinished", young_person_id=ctx.person.id,
              detail=checkin.id)
    return CheckInOutcome(checkin, None if unfinished else crisis)


async def safeguard_words(ctx: FlowContext, text: str) -> Crisis | None:
    """Words typed anywhere — not only where a check-in asks for them — are read for
    risk: someone who types "I want to die" on the home screen must be heard too."""
    return await _safeguard(ctx, None, {"cards": [], "words": text})


async def safeguard_tap(ctx: FlowContext, cards: list[str]) -> tuple[str | None, Crisis | None]:
    """An urgent card raises the alert the moment it is tapped, in the tap's own
    transaction: before "Done", before "how much", and whether or not the check-in
    is ever finished. Returns the alert's id and what the young person must be told."""
    urgent = tuple(c for c in cards if c in urgent_card_ids())
    if not urgent:
        return None, None
    alert, told = await raise_alert(ctx.session, ctx.vault, person=ctx.person, checkin=None,
                                    payload={"cards": cards, "words": None},
                                    signal=Signal(urgent), now=ctx.clock.now())
    return alert.id, await _crisis_for(ctx, told, mid_checkin=True)


async def _safeguard(ctx: FlowContext, checkin: CheckIn | None, payload: dict) -> Crisis | None:
    """Raise an urgent alert when the check-in asks for one."""
    signal = detect(payload["cards"], payload.get("words"), await _lexicon(ctx))
    if signal is None:
        return None
    _alert, told = await raise_alert(ctx.session, ctx.vault, person=ctx.person, checkin=checkin,
                                    payload=payload, signal=signal, now=ctx.clock.now())
    return await _crisis_for(ctx, told)


async def _lexicon(ctx: FlowContext):
    return await service_lexicon(ctx.session, ctx.person.service_id, ctx.person.locale)


async def _crisis_for(ctx: FlowContext, told: Sequence[Staff], *, mid_checkin: bool = False
                      ) -> Crisis:
    keyworker = await ctx.keyworker()
    named = keyworker is not None and any(s.id == keyworker.id for s in told)
    return Crisis(await ctx.keyworker_first_name() if named else None,
                  reached=bool(told), mid_checkin=mid_checkin)


async def _join_alert(
    ctx: FlowContext, alert: Alert, checkin: CheckIn, payload: dict, *, unfinished: bool
) -> Crisis:
    """The check-in behind an alert raised at the tap joins that alert: the alert now
    carries it, words typed at the end are read for risk into the same alert, and the
    adults already told get the rest of what was said (not a second alert)."""
    alert.checkin_id = checkin.id
    signal = detect(payload["cards"], payload.get("words"), await _lexicon(ctx))
    await reseal_detail(ctx.session, ctx.vault, alert, payload, signal)
    if alert.taken_by is not None and checkin.acknowledged_at is None:
        # Someone said "I'm on it" before the check-in was finished: that is its "seen".
        checkin.acknowledged_at, checkin.acknowledged_by = alert.taken_at, alert.taken_by
    told = list(await recipients(ctx.session, alert.id))
    nickname = await ctx.nickname()
    stage = "unfinished" if unfinished else "finished"
    for staff in told:
        if staff.telegram_chat_id is None:
            continue
        with use_locale(staff.locale):
            head = (_("{nickname} stopped after the urgent alert. What they chose:")
                    if unfinished else
                    _("{nickname} finished the check-in from the urgent alert:"))
            text = "\n".join([head.format(nickname=nickname),
                              *checkin_lines(payload)])
            message = Message(text=text, card_ids=tuple(payload["cards"]), locale=staff.locale)
        await enqueue(ctx.session, ctx.vault, chat_id=staff.telegram_chat_id, message=message,
                      kind="alert_checkin", now=ctx.clock.now(), key_owner=ctx.person.id,
                      priority=URGENT, dedupe_key=f"alert-checkin:{alert.id}:{staff.id}:{stage}")
    audit(ctx.session, at=ctx.clock.now(), actor_kind="young_person", actor_id=ctx.person.id,
          action="alert.checkin_joined", young_person_id=ctx.person.id,
          detail=f"{alert.id} {checkin.id} {stage}")
    return await _crisis_for(ctx, told)


async def notify_keyworker_of_checkin(
    ctx: FlowContext, checkin: CheckIn, payload: dict, *, finishing_later: bool = False
) -> None:
    staff = await ctx.keyworker()
    if staff is None or staff.telegram_chat_id is None:
        return  # they will see it on the staff pages
    nickname = await ctx.nickname()
    with use_locale(staff.locale):
        text = checkin_summary(nickname, payload, unfinished=checkin.unfinished,
                               finishing_later=finishing_later)
        message = Message(
            text=text,
            buttons=((Button(_("Seen \u2714"), "seen", checkin.id),),),
            card_ids=tuple(payload["cards"]),
            locale=staff.locale,
        )
    stage = "unfinished" if checkin.unfinished else ("finished" if finishing_later else "")
    await enqueue(
        ctx.session,
        ctx.vault,
        chat_id=staff.telegram_chat_id,
        message=message,
        kind="checkin",
        now=ctx.clock.now(),
        key_owner=ctx.person.id,
        priority=NORMAL,
        dedupe_key=f"checkin:{checkin.id}" + (f":{stage}" if stage else ""),
    )
    audit(
        ctx.session,
        at=ctx.clock.now(),
        actor_kind="staff",
        actor_id=staff.id,
        action="checkin.sent_to_keyworker",
        young_person_id=ctx.person.id,
        detail=checkin.id,
    )


def checkin_summary(
    nickname: str, payload: dict, *, unfinished: bool = False, finishing_later: bool = False
) -> str:
    """The keyworker's view of one check-in, in the current locale."""
    if unfinished:
        head = _("Unfinished check-in from {nickname} (they stopped part-way)")
    elif finishing_later:
        head = _("{nickname} finished the check-in they started earlier")
    else:
        head = _("New check-in from {nickname}")
    return "\n".join([head.format(nickname=nickname), *checkin_lines(payload)])


def checkin_lines(payload: dict) -> list[str]:
    """What was chosen, one line each; a check-in stopped part-way has fewer."""
    feelings = ", ".join(_(get_card(c).label) for c in payload["cards"])
    if payload.get("amount"):
        lines = [_("Feeling: {feelings} ({amount})").format(
            feelings=feelings, amount=amount_label(payload["amount"]).lower())]
    else:
        lines = [_("Feeling: {feelings}").format(feelings=feelings)]
    if payload.get("help"):
        lines.append(_("What would help: {help}").format(help=help_label(payload["help"])))
    if payload.get("words"):
        lines.append(_("In their words: \u201c{words}\u201d").format(words=payload["words"]))
    return lines


async def record_listened(ctx: FlowContext, *, who: str, answer: str) -> ListenedAnswer:
    if who not in LISTENED_WHO or answer not in LISTENED_ANSWERS:
        raise ValueError("unknown listened-to answer")
    now = ctx.clock.now()
    row_id = new_id()
    row = ListenedAnswer(
        id=row_id,
        young_person_id=ctx.person.id,
        channel=ctx.channel,
        created_at=now,
        payload_ct=await ctx.vault.seal(
            ctx.session, ctx.person.id, "listened_answers", row_id, {"who": who, "answer": answer}
        ),
    )
    ctx.session.add(row)
    # The de-identified copy for KPIs: no person, no time finer than the month.
    await count_kpi_answer(
        ctx.session,
        service_id=ctx.person.service_id,
        month=kpi_month(now, await ctx.timezone()),
        question=f"listened:{who}",
        answer=answer,
    )
    return row



async def satisfaction_due(ctx: FlowContext) -> bool:
    """Asked at most once a calendar month (the service's month) per young person."""
    month = kpi_month(ctx.clock.now(), await ctx.timezone())
    return ctx.person.satisfaction_asked_month != month


async def mark_satisfaction_asked(ctx: FlowContext) -> None:
    """Only that it was asked this month; the answer (if any) is only counted."""
    ctx.person.satisfaction_asked_month = kpi_month(ctx.clock.now(), await ctx.timezone())


async def record_satisfaction(ctx: FlowContext, *, answer: str) -> None:
    """Count the answer without a name: service, month, question, answer."""
    if answer not in SATISFACTION_ANSWERS:
        raise ValueError("unknown satisfaction answer")
    await count_kpi_answer(ctx.session, service_id=ctx.person.service_id,
                           month=kpi_month(ctx.clock.now(), await ctx.timezone()),
                           question=SATISFACTION_QUESTION, answer=answer)
