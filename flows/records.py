"""Recording what a young person tells us, and telling their keyworker.

Everything is sealed with the young person's own data key, and the keyworker's
notification goes into the outbox in the same transaction: if the check-in is
stored, the notification will be sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from app.i18n import N_, _, use_locale
from cards.deck import get_card
from flows.context import FlowContext
from flows.screen import Screen
from outbox.message import Button, Message
from outbox.queue import NORMAL, enqueue
from storage.models import CheckIn, ListenedAnswer, new_id
from storage.repositories import audit, count_kpi_answer

LISTENED_WHO = {
    "keyworker": N_("My keyworker"),
    "social_worker": N_("My social worker"),
    "camhs": N_("CAMHS"),
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


@dataclass
class CheckInOutcome:
    checkin: CheckIn
    screens: list[Screen] = field(default_factory=list)


def kpi_month(when: datetime, tz: ZoneInfo) -> str:
    return when.astimezone(tz).strftime("%Y-%m")


async def record_checkin(
    ctx: FlowContext, *, cards: list[str], amount: str, help_choice: str, words: str | None
) -> CheckInOutcome:
    for card_id in cards:
        get_card(card_id)  # unknown ids never reach the database
    now = ctx.clock.now()
    row_id = new_id()
    payload = {"cards": cards, "amount": amount, "help": help_choice, "words": words}
    checkin = CheckIn(
        id=row_id,
        young_person_id=ctx.person.id,
        channel=ctx.channel,
        created_at=now,
        payload_ct=await ctx.vault.seal(ctx.session, ctx.person.id, "checkins", row_id, payload),
    )
    ctx.session.add(checkin)
    screens = await _safeguard(ctx, checkin, payload)
    if not screens:
        # An urgent check-in reaches the keyworker as the alert itself (with the
        # cards and words), not as a second, ordinary message.
        await notify_keyworker_of_checkin(ctx, checkin, payload)
    return CheckInOutcome(checkin, screens)


async def safeguard_words(ctx: FlowContext, text: str) -> list[Screen]:
    """Words typed anywhere — not only where a check-in asks for them — are read for
    risk: someone who types "I want to die" on the home screen must be heard too."""
    return await _safeguard(ctx, None, {"cards": [], "words": text})


async def _safeguard(ctx: FlowContext, checkin: CheckIn | None, payload: dict) -> list[Screen]:
    """Raise an urgent alert when the check-in asks for one; return the crisis screen."""
    from safeguarding.alerts import raise_alert
    from safeguarding.crisis import crisis_screen
    from safeguarding.lexicon import service_lexicon
    from safeguarding.signals import detect

    lexicon = await service_lexicon(ctx.session, ctx.person.service_id, ctx.person.locale)
    signal = detect(payload["cards"], payload.get("words"), lexicon)
    if signal is None:
        return []
    _alert, told = await raise_alert(ctx.session, ctx.vault, person=ctx.person, checkin=checkin,
                                    payload=payload, signal=signal, now=ctx.clock.now())
    keyworker = await ctx.keyworker()
    named = keyworker is not None and any(s.id == keyworker.id for s in told)
    return [crisis_screen(await ctx.keyworker_first_name() if named else None,
                          reached=bool(told))]


async def notify_keyworker_of_checkin(ctx: FlowContext, checkin: CheckIn, payload: dict) -> None:
    staff = await ctx.keyworker()
    if staff is None or staff.telegram_chat_id is None:
        return  # they will see it on the staff pages
    nickname = await ctx.nickname()
    with use_locale(staff.locale):
        text = checkin_summary(nickname, payload)
        message = Message(
            text=text,
            buttons=((Button(_("Seen \u2714"), f"seen:{checkin.id}"),),),
            card_ids=tuple(payload["cards"]),
            locale=staff.locale,
        )
    await enqueue(
        ctx.session,
        ctx.vault,
        chat_id=staff.telegram_chat_id,
        message=message,
        kind="checkin",
        now=ctx.clock.now(),
        key_owner=ctx.person.id,
        priority=NORMAL,
        dedupe_key=f"checkin:{checkin.id}",
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


def checkin_summary(nickname: str, payload: dict) -> str:
    """The keyworker's view of one check-in, in the current locale."""
    from flows.checkin import amount_label, help_label

    feelings = ", ".join(_(get_card(c).label) for c in payload["cards"])
    lines = [
        _("New check-in from {nickname}").format(nickname=nickname),
        _("Feeling: {feelings} ({amount})").format(
            feelings=feelings, amount=amount_label(payload["amount"]).lower()
        ),
        _("What would help: {help}").format(help=help_label(payload["help"])),
    ]
    if payload.get("words"):
        lines.append(_("In their words: \u201c{words}\u201d").format(words=payload["words"]))
    return "\n".join(lines)


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

