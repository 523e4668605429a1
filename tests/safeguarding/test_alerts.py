"""Urgent cards and risk words raise one alert, the young person sees who can help
right now, and the alert climbs keyworker -> on-call -> lead until someone takes it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.clock import FrozenClock
from domain.runtime import Runtime
from safeguarding.escalation import escalate_due
from safeguarding.taking import take_alert
from storage.models import Alert, AuditEntry, CheckIn, Staff
from tests.support.people import Cast
from tests.support.safeguarding import (
    KEYWORKER_CHAT,
    LEAD_CHAT,
    ON_CALL_CHAT,
    YP_CHAT,
    check_in,
    consented,
    make_team,
    outbox,
)


async def _alerts(runtime: Runtime) -> list[Alert]:
    async with runtime.db.transaction() as session:
        return list((await session.scalars(select(Alert))).all())


async def _escalate(runtime: Runtime) -> int:
    async with runtime.db.transaction() as session:
        return await escalate_due(session, runtime.vault, runtime.clock.now())


async def _take(runtime: Runtime, staff_id: str, alert_id: str):  # type: ignore[no-untyped-def]
    async with runtime.db.transaction() as session:
        staff = await session.get(Staff, staff_id)
        assert staff is not None
        return await take_alert(session, runtime.vault, staff, alert_id, runtime.clock.now())


@pytest.mark.parametrize("card", ["I don't feel safe", "I need help now"])
async def test_urgent_card_raises_one_alert_and_shows_who_can_help(
    runtime: Runtime, cast: Cast, card: str
) -> None:
    await make_team(runtime, cast)
    client = await consented(runtime, cast)
    await check_in(client, [card, "Scared"])
    crisis = next(s for s in client.last.screens if s.name == "flows.crisis")
    assert crisis.urgent
    assert "You did the right thing" in crisis.text
    assert "telling Alex now" in crisis.text
    hrefs = {link.href for link in crisis.links}
    assert {"tel:08001111", "sms:85258?body=SHOUT", "tel:116123", "tel:999"} <= hrefs
    assert client.screen.name == "home"  # the thank-you follows the crisis screen

    alerts = await _alerts(runtime)
    assert len(alerts) == 1 and alerts[0].certainty == "certain"
    sent = await outbox(runtime, chat_id=KEYWORKER_CHAT)
    # The alert replaces the ordinary check-in message; the finished check-in follows
    # it as part of the same alert, not as a second one.
    by_kind = {row.kind: (row, message) for row, message in sent}
    assert len(sent) == 2 and set(by_kind) == {"alert", "alert_checkin"}
    assert "finished the check-in from the urgent alert" in by_kind["alert_checkin"][1].text
    row, message = by_kind["alert"]
    assert row.priority == 0 and row.kind == "alert"
    assert card in message.text and "URGENT" in message.text
    assert (message.buttons[0][0].action, message.buttons[0][0].ref) == ("take", alerts[0].id)


LEXICON_CASES = {
    "suicide": "i dont want to be alive anymore, i want to dieee",
    "self_harm": "i cutt myself again last night",
    "abuse": "he touched me and said its our secret",
    "being_hurt": "my uncle hits me when hes drunk",
    "running_away": "im going to run away tonight",
}


@pytest.mark.parametrize("category", sorted(LEXICON_CASES))
async def test_each_lexicon_category_raises_one_possible_alert(
    runtime: Runtime, cast: Cast, category: str
) -> None:
    await make_team(runtime, cast)
    client = await consented(runtime, cast)
    await check_in(client, ["Sad"], LEXICON_CASES[category])
    assert client.last.screens[0].name == "flows.crisis"
    alerts = await _alerts(runtime)
    assert len(alerts) == 1 and alerts[0].certainty == "possible"
    async with runtime.db.transaction() as session:
        detail = await runtime.vault.open(session, cast.young_person_id, "alerts", alerts[0].id,
                                          alerts[0].detail_ct)
    assert category in {m["category"] for m in detail["matches"]}
    (_, message), = await outbox(runtime, chat_id=KEYWORKER_CHAT)
    assert "possible" in message.text


async def test_card_and_words_together_are_still_one_alert(runtime: Runtime, cast: Cast) -> None:
    await make_team(runtime, cast)
    client = await consented(runtime, cast)
    await check_in(client, ["I don't feel safe", "I need help now"], "he hits me, i want to die")
    (alert,) = await _alerts(runtime)
    assert len(await outbox(runtime, chat_id=KEYWORKER_CHAT, kind="alert")) == 1
    async with runtime.db.transaction() as session:
        detail = await runtime.vault.open(session, cast.young_person_id, "alerts", alert.id,
                                          alert.detail_ct)
    # The words typed at the end were read into the alert the cards raised.
    assert {m["category"] for m in detail["matches"]} >= {"suicide", "being_hurt"}
    assert detail["urgent_cards"] == ["unsafe", "help_now"]


@pytest.mark.parametrize(
    "words", ["I'm dying to see my mum", "this homework is killing me", "I was amused", ""]
)
async def test_everyday_idioms_do_not_fire(runtime: Runtime, cast: Cast, words: str) -> None:
    # Decision (docs/safeguarding.md): the lexicon holds first-person phrases, not
    # single alarming words, and these idioms are reviewed exceptions.
    await make_team(runtime, cast)
    client = await consented(runtime, cast)
    await check_in(client, ["Happy"], words or None)
    assert await _alerts(runtime) == []
    (row, _), = await outbox(runtime, chat_id=KEYWORKER_CHAT)
    assert row.kind == "checkin" and row.priority != 0


async def test_the_audit_never_holds_their_words(runtime: Runtime, cast: Cast) -> None:
    await make_team(runtime, cast)
    client = await consented(runtime, cast)
    await check_in(client, ["Sad"], "my uncle hits me")
    async with runtime.db.transaction() as session:
        details = " ".join(e.detail or "" for e in (await session.scalars(select(AuditEntry))))
        actions = {e.action for e in (await session.scalars(select(AuditEntry)))}
    assert "hits" not in details and "uncle" not in details
    assert {"alert.raised", "alert.sent", "alert.sent_to_staff"} <= actions


async def test_escalates_to_on_call_then_lead(runtime: Runtime, cast: Cast, clock: FrozenClock) -> None:
    team = await make_team(runtime, cast)
    client = await consented(runtime, cast)
    await check_in(client, ["I don't feel safe"])
    clock.advance(minutes=14, seconds=59)
    assert await _escalate(runtime) == 0
    assert await outbox(runtime, chat_id=ON_CALL_CHAT) == []
    clock.advance(seconds=1)
    assert await _escalate(runtime) == 1
    (row, message), = await outbox(runtime, chat_id=ON_CALL_CHAT)
    assert row.priority == 0 and "on call for North" in message.text
    assert await outbox(runtime, chat_id=LEAD_CHAT) == []
    clock.advance(minutes=15)
    assert await _escalate(runtime) == 1
    (row, message), = await outbox(runtime, chat_id=LEAD_CHAT)
    assert "lead for North" in message.text and "30 minutes" in message.text
    clock.advance(hours=3)
    assert await _escalate(runtime) == 0  # the last circle: no more steps, no repeats
    assert len(await outbox(runtime, chat_id=LEAD_CHAT)) == 1
    assert team.lead_id


async def test_im_on_it_stops_the_escalation_and_tells_the_others(
    runtime: Runtime, cast: Cast, clock: FrozenClock
) -> None:
    team = await make_team(runtime, cast)
    client = await consented(runtime, cast)
    await check_in(client, ["I need help now"])
    clock.advance(minutes=16)
    await _escalate(runtime)
    (alert,) = await _alerts(runtime)
    result = await _take(runtime, team.on_call_id, alert.id)
    assert result.ok and not result.already and result.by == "Jo"
    again = await _take(runtime, team.keyworker_id, alert.id)
    assert again.ok and again.already and again.by == "Jo"
    clock.advance(hours=1)
    assert await _escalate(runtime) == 0
    assert await outbox(runtime, chat_id=LEAD_CHAT) == []
    kw = [m.text for _, m in await outbox(runtime, chat_id=KEYWORKER_CHAT)]
    assert any("Jo is on it" in t for t in kw)
    (row, message), = await outbox(runtime, chat_id=YP_CHAT)
    assert "Jo knows" in message.text
    async with runtime.db.transaction() as session:
        checkin = (await session.scalars(select(CheckIn))).one()
        assert checkin.acknowledged_by == team.on_call_id
        taken = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "alert.taken"))
        assert taken == 1


async def test_keyworker_not_on_telegram_goes_straight_to_on_call(
    runtime: Runtime, cast: Cast
) -> None:
    await make_team(runtime, cast, keyworker_on_telegram=False)
    client = await consented(runtime, cast)
    await check_in(client, ["I don't feel safe"])
    crisis = client.last.screens[0]
    assert "adults who look after you" in crisis.text
    assert len(await outbox(runtime, chat_id=ON_CALL_CHAT, kind="alert")) == 1


async def test_a_stranger_cannot_take_an_alert(runtime: Runtime, cast: Cast) -> None:
    await make_team(runtime, cast)
    client = await consented(runtime, cast)
    await check_in(client, ["I don't feel safe"])
    (alert,) = await _alerts(runtime)
    from tests.support.people import make_cast

    other = await make_cast(runtime, service="South", nickname="Kim")
    assert not (await _take(runtime, other.keyworker_id, alert.id)).ok
