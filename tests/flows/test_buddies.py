"""Buddies for the first week, on a simulated clock: agreeing and refusing, choosing a
buddy, the relay (contacts taken out, risk words, stop, closing at the move date plus
seven days), keyworkers reading it, "how is it going?", and erasure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from storage.crypto.cipher import DecryptError
from sqlalchemy import func, select

from app.scheduler import run_due
from core.clock import FrozenClock
from core.config import Settings
from domain import admin, buddies
from domain.buddies import BuddyError
from domain.context import FlowContext
from domain.moves import moves_due
from domain.placements import cancel_move
from domain.runtime import Runtime
from storage.models import (
    Alert,
    AuditEntry,
    BuddyConsent,
    BuddyMatch,
    BuddyMessage,
    OutboxMessage,
    Placement,
    Staff,
    YoungPerson,
)
from tests.support.buddies import ALEX_CHAT, JO_CHAT, KIM_TG, ROBIN_TG, SAM_TG, Client, World, make_world
from tests.support.safeguarding import outbox

LONDON = ZoneInfo("Europe/London")


async def _staff(session, staff_id: str) -> Staff:  # type: ignore[no-untyped-def]
    staff = await session.get(Staff, staff_id)
    assert staff is not None
    return staff


def tick(runtime: Runtime) -> None:
    assert isinstance(runtime.clock, FrozenClock)
    runtime.clock.advance(seconds=1)


async def ask(runtime: Runtime, w: World, person_id: str) -> None:
    tick(runtime)
    async with runtime.db.transaction() as session:
        await buddies.ask(session, runtime.vault, by=await _staff(session, w.pat),
                          placement_id=w.placement_id, young_person_id=person_id,
                          now=runtime.clock.now())


async def choose(runtime: Runtime, w: World, buddy_id: str, days: int = 7) -> None:
    tick(runtime)
    async with runtime.db.transaction() as session:
        await buddies.choose(session, runtime.vault, by=await _staff(session, w.pat),
                             placement_id=w.placement_id, move_id=w.move_id, buddy_id=buddy_id,
                             now=runtime.clock.now(), days=days)


async def texts_to(runtime: Runtime, chat: int) -> list[str]:
    return [m.text for _row, m in await outbox(runtime, chat_id=chat)]


async def answers(runtime: Runtime, w: World) -> dict[str, str]:
    async with runtime.db.transaction() as session:
        pat = await _staff(session, w.pat)
        placement = await session.get(Placement, w.placement_id)
        assert placement is not None
        people, _arrivals = await buddies.desk_view(session, runtime.vault, pat, placement,
                                                    runtime.clock.now())
    return {p.nickname: p.answer for p in people}


async def robin_says_yes(runtime: Runtime, w: World) -> Client:
    await ask(runtime, w, w.robin)
    robin = Client(runtime, w.robin)
    await robin.command("home")
    await robin.tap("Would you like to be a buddy?")
    await robin.tap("Yes")
    return robin


async def relay_open(runtime: Runtime, w: World) -> tuple[Client, Client]:
    robin = await robin_says_yes(runtime, w)
    await choose(runtime, w, w.robin)
    await robin.command("buddy")
    await robin.tap("Send a kind hello for me")
    sam = Client(runtime, w.sam)
    await sam.command("buddy")
    assert sam.screen.name == "buddy.chat"
    return sam, robin


async def test_who_lives_at_a_placement(any_runtime: Runtime) -> None:
    runtime = any_runtime
    w = await make_world(runtime)
    async with runtime.db.transaction() as session:
        assert {p.id for p in await buddies.residents(session, w.placement_id)} == {w.robin, w.kim}
    async with runtime.db.transaction() as session:
        await moves_due(session, runtime.vault, datetime.combine(
            w.move_date, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9))
        assert {p.id for p in await buddies.residents(session, w.placement_id)} == \
            {w.robin, w.kim, w.sam}


async def test_agreeing_and_refusing(any_runtime: Runtime) -> None:
    runtime = any_runtime
    w = await make_world(runtime)
    assert await answers(runtime, w) == {"Robin": "", "Kim": ""}
    kim = Client(runtime, w.kim)
    await kim.command("home")
    assert not any(c.id == "go:buddy" for c in kim.screen.choices)  # never asked: nothing

    await ask(runtime, w, w.kim)
    assert "Would you like to be a buddy for someone new?" in (await texts_to(runtime, KIM_TG))[-1]
    assert "/buddy" in (await texts_to(runtime, KIM_TG))[-1]
    assert await answers(runtime, w) == {"Robin": "", "Kim": "asked"}
    with pytest.raises(BuddyError):  # asked once: no reminders, no nagging
        await ask(runtime, w, w.kim)
    await kim.command("home")
    assert "asked if you would like to be a buddy" in kim.screen.text
    await kim.tap("Would you like to be a buddy?")
    assert kim.screen.name == "buddy.ask"
    await kim.tap("No, thank you")
    assert "We won't ask again" in kim.screen.text
    assert await answers(runtime, w) == {"Robin": "", "Kim": "no"}

    # No is final: staff cannot ask again, and nothing asks her again.
    with pytest.raises(BuddyError):
        await ask(runtime, w, w.kim)
    assert sum("buddy for someone new" in t for t in await texts_to(runtime, KIM_TG)) == 1
    await kim.command("home")
    assert "asked if you would like" not in kim.screen.text
    # ... until she changes her mind herself.
    await kim.command("buddy")
    assert kim.screen.name == "buddy.no"
    await kim.tap("Yes, I'd like to be a buddy")
    assert await answers(runtime, w) == {"Robin": "", "Kim": "yes"}
    await kim.command("buddy")
    await kim.tap("I don't want to be a buddy any more")
    assert await answers(runtime, w) == {"Robin": "", "Kim": "no"}

    await robin_says_yes(runtime, w)
    assert await answers(runtime, w) == {"Robin": "yes", "Kim": "no"}
    # Only someone who said yes can be chosen.
    with pytest.raises(BuddyError):
        await choose(runtime, w, w.kim)
    # Someone not living there cannot be asked.
    with pytest.raises(BuddyError):
        await ask(runtime, w, w.sam)


async def test_relay_opens_at_preview_and_closes_a_week_after_the_move(
    any_runtime: Runtime, clock: FrozenClock
) -> None:
    runtime = any_runtime
    w = await make_world(runtime)
    robin = await robin_says_yes(runtime, w)
    sam = Client(runtime, w.sam)
    await sam.command("buddy")
    assert sam.screen.name == "buddy.waiting"  # no buddy chosen yet
    await choose(runtime, w, w.robin)
    assert "Sam is moving to Oak House" in (await texts_to(runtime, ROBIN_TG))[-1]
    assert "You have a buddy at Oak House: Robin" in (await texts_to(runtime, SAM_TG))[-1]

    # The buddy writes a hello; it reaches Sam without the phone number in it.
    await robin.command("buddy")
    assert robin.screen.name == "buddy.hello"
    await robin.send("Hi Sam! Text me on 07700 900123, the garden is great")
    assert "We took out a phone number or link" in (robin.last.notice or "")
    hello = (await texts_to(runtime, SAM_TG))[-1]
    assert "Hi Sam!" in hello and "[removed]" in hello and "900123" not in hello

    # Sam (moving in, before the move: the preview) sees the buddy and sends a message.
    await sam.command("next")
    await sam.tap("Your buddy: Robin")
    assert sam.screen.name == "buddy.chat"
    assert "Your buddy: Robin" in sam.screen.text and "Hi Sam!" in sam.screen.text
    await sam.send("Is the food nice?")
    assert sam.last.notice == "Sent to Robin."
    assert (await texts_to(runtime, ROBIN_TG))[-1].startswith("Sam says: \u201cIs the food nice?\u201d")
    await robin.send("Yes! Pizza on Fridays.")
    assert "Robin says: \u201cYes! Pizza on Fridays.\u201d" in (await texts_to(runtime, SAM_TG))[-1]

    async with runtime.db.transaction() as session:
        match = await session.scalar(select(BuddyMatch))
        assert match is not None
        closes = match.closes_at
    # Seven days after the move date, at 6 pm where the service is.
    assert closes == datetime.combine(w.move_date + timedelta(days=7),
                                      datetime.min.time().replace(hour=18),
                                      tzinfo=LONDON).astimezone(UTC)

    # The move happens; the relay stays open through the first week.
    clock.set(datetime.combine(w.move_date, datetime.min.time(), tzinfo=UTC)
              + timedelta(hours=9))
    async with runtime.db.transaction() as session:
        assert await moves_due(session, runtime.vault, clock.now()) == 1
    clock.set(closes - timedelta(minutes=1))
    async with runtime.db.transaction() as session:
        assert await buddies.close_due(session, runtime.vault, clock.now()) == 0
    await sam.send("See you tomorrow")
    assert sam.last.notice == "Sent to Robin."

    clock.set(closes)
    assert (await run_due(runtime.db, runtime.vault, clock))["buddy_relays"] == 1
    async with runtime.db.transaction() as session:
        assert await buddies.close_due(session, runtime.vault, clock.now()) == 0  # once
    for chat in (SAM_TG, ROBIN_TG):
        closed = [m.text for _r, m in await outbox(runtime, chat_id=chat, kind="buddy_closed")]
        assert len(closed) == 1 and "have closed now that the first week is over" in closed[0]

    # Nothing passes after closing: a kind message instead.
    before = await texts_to(runtime, ROBIN_TG)
    await sam.send("Are you there?")
    assert sam.screen.name == "buddy.closed"
    assert "closed" in (sam.last.notice or sam.screen.text)
    await sam.command("buddy")
    assert sam.screen.name != "buddy.chat"
    assert await texts_to(runtime, ROBIN_TG) == before
    async with runtime.db.transaction() as session:  # the domain refuses too
        person = await session.get(YoungPerson, w.sam)
        assert person is not None
        ctx = FlowContext(session=session, services=runtime.services, person=person,
                          channel="telegram")
        result = await buddies.send(ctx, "hello?")
        assert result.closed and not result.sent
    assert await texts_to(runtime, ROBIN_TG) == before
    async with runtime.db.transaction() as session:
        sent = (await session.scalars(select(BuddyMessage))).all()
        assert len(sent) == 3  # the three before closing, nothing after


async def test_a_service_may_make_it_longer_never_shorter(any_runtime: Runtime, tmp_path) -> None:  # type: ignore[no-untyped-def]
    runtime = any_runtime
    assert Settings(buddy_days=3, _env_file=None).buddy_days == 7  # type: ignore[call-arg]
    assert Settings(buddy_days=14, _env_file=None).buddy_days == 14  # type: ignore[call-arg]
    w = await make_world(runtime)
    await robin_says_yes(runtime, w)
    await choose(runtime, w, w.robin, days=2)  # asked for two days: a week it is
    async with runtime.db.transaction() as session:
        match = await session.scalar(select(BuddyMatch))
        assert match is not None
        assert match.closes_at.astimezone(LONDON).date() == w.move_date + timedelta(days=7)


async def test_contacts_never_reach_the_other_side(any_runtime: Runtime) -> None:
    runtime = any_runtime
    w = await make_world(runtime)
    sam, robin = await relay_open(runtime, w)
    leaks = {
        "call me +44 7700 900123 ok": "7700",
        "my number is 07700-900-123": "900",
        "add me @sam_the_best on insta": "sam_the_best",
        "see https://example.com/sam": "example.com",
        "or www.sam-pics.net": "sam-pics",
        "snap: sam.cool.co.uk": "sam.cool",
        "mail sam.smith+x@gmail.com": "gmail",
        "my telegram id is 730111222": "730111222",
        "t.me/samsam please": "samsam",
    }
    for text, secret in leaks.items():
        await sam.send(text)
        assert sam.last.notice is not None
        assert sam.last.notice.startswith("We took out a phone number or link. Buddies chat "
                                          "here, so everyone stays safe."), text
        got = (await texts_to(runtime, ROBIN_TG))[-1]
        assert "[removed]" in got and secret not in got, (text, got)
    # Ordinary words pass untouched.
    await sam.send("I like football at 5.30 and the year 2026")
    assert sam.last.notice == "Sent to Robin."
    assert "I like football at 5.30 and the year 2026" in (await texts_to(runtime, ROBIN_TG))[-1]

    # Neither side is ever given the other's Telegram id (nor any username: Heard has none).
    for chat, other_tg in ((ROBIN_TG, SAM_TG), (SAM_TG, ROBIN_TG)):
        for row, message in await outbox(runtime, chat_id=chat):
            assert str(other_tg) not in message.text
            assert str(other_tg) not in repr(message.to_json())
    # What is kept is what was passed on, sealed with the sender's key.
    async with runtime.db.transaction() as session:
        rows = (await session.scalars(select(BuddyMessage)
                                      .where(BuddyMessage.sender_id == w.sam))).all()
        assert rows and all(b"7700" not in r.text_ct for r in rows)
        opened = [await runtime.vault.open(session, w.sam, "buddy_messages", r.id, r.text_ct)
                  for r in rows]
        assert all("7700" not in t for t in opened)
        with pytest.raises(DecryptError):  # sealed with Sam's key: Robin's cannot open it
            await runtime.vault.open(session, w.robin, "buddy_messages", rows[0].id,
                                     rows[0].text_ct)


async def test_stop_works_at_once(any_runtime: Runtime) -> None:
    runtime = any_runtime
    w = await make_world(runtime)
    sam, robin = await relay_open(runtime, w)
    await robin.send("Hello!")
    await sam.tap("Stop messages")
    assert "stopped" in (sam.last.notice or "")
    assert sam.screen.name == "buddy.closed"
    assert "Sam has stopped buddy messages" in (await texts_to(runtime, ROBIN_TG))[-1]
    before_sam = await texts_to(runtime, SAM_TG)
    await robin.send("Why?")
    assert "closed" in (robin.last.notice or robin.screen.text)
    assert await texts_to(runtime, SAM_TG) == before_sam
    async with runtime.db.transaction() as session:
        match = await session.scalar(select(BuddyMatch))
        assert match is not None and match.closed_reason == "stopped"
    # Closed for good: the scheduler has nothing more to close or tell.
    async with runtime.db.transaction() as session:
        assert await buddies.close_due(session, runtime.vault,
                                       runtime.clock.now() + timedelta(days=30)) == 0


async def test_risk_words_in_a_relay_message_raise_an_alert(any_runtime: Runtime) -> None:
    runtime = any_runtime
    w = await make_world(runtime)
    sam, robin = await relay_open(runtime, w)
    before = await texts_to(runtime, ROBIN_TG)
    await sam.send("I want to kill myself")
    async with runtime.db.transaction() as session:
        alerts = (await session.scalars(select(Alert))).all()
    assert [a.young_person_id for a in alerts] == [w.sam]
    assert [s.name for s in sam.last.screens][0] == "flows.crisis"
    assert "not passed on to Robin" in (sam.last.notice or "")
    assert await texts_to(runtime, ROBIN_TG) == before  # a crisis is for adults to answer
    # Sam's keyworker is told (Robin's is not: the words are Sam's).
    assert [r.kind for r, _m in await outbox(runtime, chat_id=ALEX_CHAT)] == ["alert"]
    assert [r.kind for r, _m in await outbox(runtime, chat_id=JO_CHAT)] == []
    # Sam's keyworker reads it on the desk, marked as not passed on; Robin's keyworker
    # does not: it was never passed on, so it is not Robin's to know.
    async with runtime.db.transaction() as session:
        alex = await _staff(session, w.alex)
        views = await buddies.relay_for_keyworker(session, runtime.vault, alex, w.sam,
                                                  runtime.clock.now())
        jo = await _staff(session, w.jo)
        robins = await buddies.relay_for_keyworker(session, runtime.vault, jo, w.robin,
                                                   runtime.clock.now())
    assert [(m.text, m.passed_on) for m in views[0].messages] == [
        ("I want to kill myself", False)]
    assert robins and robins[0].messages == []


async def test_keyworkers_of_both_see_the_relay_and_other_staff_do_not(any_runtime: Runtime) -> None:
    runtime = any_runtime
    w = await make_world(runtime)
    sam, robin = await relay_open(runtime, w)
    await sam.send("Is the food nice?")
    await robin.send("Yes, pizza")
    now = runtime.clock.now()
    async with runtime.db.transaction() as session:
        for staff_id, person_id in ((w.alex, w.sam), (w.jo, w.robin)):
            views = await buddies.relay_for_keyworker(session, runtime.vault,
                                                      await _staff(session, staff_id),
                                                      person_id, now)
            assert len(views) == 1
            assert [(m.name, m.text) for m in views[0].messages] == [
                ("Sam", "Is the food nice?"), ("Robin", "Yes, pizza")]
        for staff_id, person_id in ((w.alex, w.robin), (w.jo, w.sam), (w.lee, w.sam),
                                    (w.pat, w.sam), (w.pat, w.robin)):
            assert await buddies.relay_for_keyworker(
                session, runtime.vault, await _staff(session, staff_id), person_id, now) == []
    async with runtime.db.transaction() as session:
        viewed = (await session.scalars(select(AuditEntry).where(
            AuditEntry.action == "buddy.relay_viewed"))).all()
        assert {(a.actor_id, a.young_person_id) for a in viewed} == {
            (w.alex, w.sam), (w.alex, w.robin), (w.jo, w.robin), (w.jo, w.sam)}


async def test_how_is_it_going_after_the_first_night_and_the_first_week(
    any_runtime: Runtime, clock: FrozenClock
) -> None:
    runtime = any_runtime
    w = await make_world(runtime, days_ahead=2)
    clock.set(datetime.combine(w.move_date, datetime.min.time(), tzinfo=UTC)
              + timedelta(hours=9))
    async with runtime.db.transaction() as session:
        assert await moves_due(session, runtime.vault, clock.now()) == 1
        assert await buddies.settling_in_due(session, runtime.vault, clock.now()) == 0
    morning = datetime.combine(w.move_date + timedelta(days=1),
                               datetime.min.time().replace(hour=10), tzinfo=LONDON)
    clock.set(morning - timedelta(minutes=1))
    async with runtime.db.transaction() as session:
        assert await buddies.settling_in_due(session, runtime.vault, clock.now()) == 0
    clock.set(morning)
    for expected in (1, 0):  # once
        async with runtime.db.transaction() as session:
            assert await buddies.settling_in_due(session, runtime.vault, clock.now()) == expected
    first = (await texts_to(runtime, SAM_TG))[-1]
    assert "first night at Oak House" in first and "/checkin" in first
    # On the web, the same question is on the home screen.
    web = Client(runtime, w.sam, channel="web")
    await web.command("home")
    assert "first night at Oak House" in web.screen.text
    clock.set(morning + timedelta(days=6))
    async with runtime.db.transaction() as session:
        assert await buddies.settling_in_due(session, runtime.vault, clock.now()) == 1
    week = (await texts_to(runtime, SAM_TG))[-1]
    assert "for a week now" in week and "/checkin" in week
    # The /checkin it offers starts the usual check-in.
    sam = Client(runtime, w.sam)
    await sam.command("checkin")
    assert sam.screen.name == "checkin.cards"


async def test_erasure_removes_the_relay_and_buddy_rows(any_runtime: Runtime) -> None:
    runtime = any_runtime
    w = await make_world(runtime)
    sam, robin = await relay_open(runtime, w)
    await sam.send("Is the food nice?")
    await robin.send("Yes, pizza")
    async with runtime.db.transaction() as session:
        session.add(BuddyConsent(young_person_id=w.sam, state="yes"))
    async with runtime.db.transaction() as session:
        await admin.erase_young_person(session, runtime.vault, w.sam, runtime.clock.now())
    async with runtime.db.transaction() as session:
        for model in (BuddyMatch, BuddyMessage):
            assert await session.scalar(select(func.count()).select_from(model)) == 0
        assert await session.get(BuddyConsent, w.sam) is None
        assert await session.get(BuddyConsent, w.robin) is not None  # Robin's own answer stays
        pending = (await session.scalars(select(OutboxMessage).where(
            OutboxMessage.status == "pending", OutboxMessage.chat_id == SAM_TG))).all()
        assert pending == []
    await robin.command("buddy")
    assert robin.screen.name == "buddy.closed"  # no relay left
    await robin.tap("OK")
    await robin.command("buddy")
    assert robin.screen.name == "buddy.yes"


async def test_a_cancelled_move_closes_the_relay(any_runtime: Runtime) -> None:
    runtime = any_runtime
    w = await make_world(runtime)
    sam, robin = await relay_open(runtime, w)
    async with runtime.db.transaction() as session:
        assert await cancel_move(session, by=await _staff(session, w.alex),
                                 young_person_id=w.sam, now=runtime.clock.now())
    tick(runtime)
    async with runtime.db.transaction() as session:
        assert await buddies.close_due(session, runtime.vault, runtime.clock.now()) == 1
        match = await session.scalar(select(BuddyMatch))
        assert match is not None and match.closed_reason == "cancelled"
    assert "The move has changed" in (await texts_to(runtime, ROBIN_TG))[-1]
    before = await texts_to(runtime, SAM_TG)
    await robin.send("Hello?")
    assert await texts_to(runtime, SAM_TG) == before


def test_what_is_taken_out_of_a_message_and_what_is_not() -> None:
    from domain.buddies import REMOVED, strip_contacts

    for text in ("+44 7700 900123", "07700900123", "snap: sam_22", "t.me/sam",
                 "sam at gmail dot com", "my insta is sam.22", "discord sam#1234",
                 "email sam@gmail.com", "@sam_x hi"):
        cleaned, removed = strip_contacts(text)
        assert removed and REMOVED in cleaned, text
        assert not any(part in cleaned for part in ("7700", "sam_22", "sam.22", "gmail",
                                                    "#1234", "t.me", "@sam")), cleaned
    # Ordinary sentences, dates and snap peas are left alone (and nobody is told
    # something was taken out when nothing was).
    for text in ("Hi. Im Sam", "See you soon. Me and Jo", "born 12/03/2009",
                 "I like snap peas", "I play discord games"):
        assert strip_contacts(text) == (text, False), text


async def test_the_desk_view_reads_a_placement_in_a_few_queries(any_runtime: Runtime) -> None:
    """However many live there: the page's queries do not grow with its young people."""
    from sqlalchemy import event

    runtime = any_runtime
    w = await make_world(runtime)
    await robin_says_yes(runtime, w)
    await choose(runtime, w, w.robin)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    async def queries() -> int:
        statements.clear()
        event.listen(runtime.db.engine.sync_engine, "before_cursor_execute", count)
        try:
            assert (await answers(runtime, w))
        finally:
            event.remove(runtime.db.engine.sync_engine, "before_cursor_execute", count)
        return sum(1 for s in statements if s.lstrip().upper().startswith("SELECT"))

    two_living_one_coming = await queries()
    async with runtime.db.transaction() as session:  # Sam moves in: three live there
        await moves_due(session, runtime.vault, datetime.combine(
            w.move_date, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9))
    assert len(await answers(runtime, w)) == 3
    assert await queries() <= two_living_one_coming <= 12
