"""My Heard in the conversation engine: what I've said, you said we did, getting ready
for my review, and goals — what each young person sees, what is sealed, what reaches
their channel, and that nothing is shared before they choose."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from domain import admin, review_prep
from domain.goals import add_goal, goals_of
from domain.you_said import checkins_with_a_change, post_unit_note, record_change
from domain.runtime import Runtime
from storage.models import (
    Alert,
    AuditEntry,
    Change,
    CheckIn,
    GoalRating,
    ReviewPrep,
    Staff,
    YoungPerson,
)
from tests.support.flow_client import FlowClient
from tests.support.people import Cast
from tests.support.safeguarding import YP_CHAT, check_in, consented, make_team, outbox


async def _second_person(runtime: Runtime, cast: Cast, nickname: str = "Robin",
                         unit: str | None = None) -> FlowClient:
    now = runtime.clock.now()
    async with runtime.db.transaction() as session:
        made = await admin.create_young_person(
            session, runtime.vault, service_name=cast.service_name,
            keyworker_email=cast.keyworker_email, nickname=nickname, now=now,
            bot_username="heard_test_bot", public_url=runtime.settings.public_url)
        if unit:
            person = await session.get(YoungPerson, str(made["young_person_id"]))
            assert person is not None
            person.unit = unit
    client = FlowClient(runtime, str(made["young_person_id"]))
    await client.command("start")
    await client.tap("OK, let's go")
    return client


async def _staff(runtime: Runtime, staff_id: str) -> Staff:
    async with runtime.db.transaction() as session:
        staff = await session.get(Staff, staff_id)
        assert staff is not None
        return staff


async def test_what_i_said_shows_my_own_check_ins_newest_first(runtime: Runtime,
                                                               cast: Cast) -> None:
    sam = await consented(runtime, cast)
    await check_in(sam, ["Happy"], words="football was good")
    runtime.clock.advance(hours=3)  # type: ignore[attr-defined]
    await check_in(sam, ["Worried", "Tired"], words="cannot sleep")
    robin = await _second_person(runtime, cast)
    await check_in(robin, ["Angry"], words="robin's own secret")

    await sam.command("said")
    screen = sam.screen
    assert screen.name == "said.item"
    assert "Worried and Tired" in screen.text and "cannot sleep" in screen.text
    assert screen.sheet == ("worried", "tired")  # the cards as a picture on Telegram
    await sam.tap("Older")
    assert "football was good" in sam.screen.text
    assert "Older" not in [c.label for c in sam.screen.choices]
    for reply in sam.replies:
        for shown in reply.screens:
            assert "robin's own secret" not in shown.text

    await robin.command("said")
    assert "robin's own secret" in robin.screen.text
    assert "Older" not in [c.label for c in robin.screen.choices]


async def test_nothing_said_yet_is_said_kindly(runtime: Runtime, cast: Cast) -> None:
    sam = await consented(runtime, cast)
    await sam.command("said")
    assert sam.screen.name == "said.none"
    assert "haven't sent a check-in yet" in sam.screen.text


async def test_my_month_is_colours_with_no_counts_or_streaks(runtime: Runtime,
                                                             cast: Cast) -> None:
    sam = await consented(runtime, cast)
    await check_in(sam, ["Happy"])
    await sam.command("said")
    await sam.tap("My month")
    screen = sam.screen
    assert screen.name == "said.month"
    assert "November 2026" in screen.text
    assert "23: Happy" in screen.text
    assert screen.photos and screen.photos[0].jpeg.startswith(b"\x89PNG")
    lowered = screen.text.lower()
    for word in ("streak", "missed", "score", "in a row", "days"):
        assert word not in lowered
    await sam.tap("Month before")
    assert "October 2026" in sam.screen.text and "No cards this month." in sam.screen.text
    # No month after the current one.
    await sam.tap("Month after")
    assert "Month after" not in [c.label for c in sam.screen.choices]


async def test_a_change_reaches_the_young_person_and_their_history(runtime: Runtime,
                                                                   cast: Cast) -> None:
    await make_team(runtime, cast)
    sam = await consented(runtime, cast)
    await check_in(sam, ["Angry"], words="bedtime is too early on Fridays")
    alex = await _staff(runtime, cast.keyworker_id)
    now = runtime.clock.now()
    async with runtime.db.transaction() as session:
        checkin = await session.scalar(select(CheckIn))
        person = await session.get(YoungPerson, cast.young_person_id)
        assert checkin is not None and person is not None
        outcome = await record_change(session, runtime.vault, alex, person, checkin.id,
                                      "From this week bedtime on Fridays is 10pm", now)
        assert outcome.ok
        stored = await session.scalar(select(Change))
        assert stored is not None and b"10pm" not in stored.body_ct  # sealed
        start = now - timedelta(days=30)
        assert await checkins_with_a_change(session, person.service_id, start,
                                            now + timedelta(days=1)) == 1
    told = [m for row, m in await outbox(runtime, chat_id=YP_CHAT) if row.kind == "you_said"]
    assert len(told) == 1 and "10pm" in told[0].text and "You said, we did" in told[0].text
    await sam.command("said")
    assert "You said, we did: From this week bedtime on Fridays is 10pm" in sam.screen.text
    async with runtime.db.transaction() as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert "desk.change_recorded" in actions


async def test_a_change_for_someone_elses_check_in_is_refused(runtime: Runtime,
                                                              cast: Cast) -> None:
    sam = await consented(runtime, cast)
    robin = await _second_person(runtime, cast)
    await check_in(robin, ["Sad"])
    alex = await _staff(runtime, cast.keyworker_id)
    async with runtime.db.transaction() as session:
        robins = await session.scalar(select(CheckIn))
        person = await session.get(YoungPerson, sam.person_id)
        assert robins is not None and person is not None
        outcome = await record_change(session, runtime.vault, alex, person, robins.id,
                                      "Something", runtime.clock.now())
        assert not outcome.ok
        assert (await session.scalars(select(Change))).all() == []


async def test_unit_notes_name_no_one_and_reach_that_unit(runtime: Runtime, cast: Cast) -> None:
    team = await make_team(runtime, cast)
    async with runtime.db.transaction() as session:
        person = await session.get(YoungPerson, cast.young_person_id)
        assert person is not None
        person.unit = "Oak"
    sam = await consented(runtime, cast)
    robin = await _second_person(runtime, cast, unit="Birch")
    lee = await _staff(runtime, team.lead_id)
    now = runtime.clock.now()
    async with runtime.db.transaction() as session:
        named = await post_unit_note(session, runtime.vault, lee, "Oak",
                                     "Sam asked for later bedtimes, so Fridays are 10pm", now)
        assert not named.ok and "names a young person" in (named.problem or "")
        named_other_case = await post_unit_note(session, runtime.vault, lee, None,
                                                "thanks to ROBIN we have pizza", now)
        assert not named_other_case.ok
        ok = await post_unit_note(session, runtime.vault, lee, "Oak",
                                  "You asked for later bedtimes: Fridays are now 10pm", now)
        assert ok.ok
        alex = await session.get(Staff, cast.keyworker_id)
        assert alex is not None
        not_a_lead = await post_unit_note(session, runtime.vault, alex, None, "Pizza night", now)
        assert not not_a_lead.ok
    await sam.command("yousaid")
    assert "Fridays are now 10pm" in sam.screen.text
    await robin.command("yousaid")
    assert "Fridays are now 10pm" not in robin.screen.text
    assert "Nothing here yet" in robin.screen.text
    await sam.tap("OK")
    assert sam.screen.name == "home"
    assert "You said, we did" in [c.label for c in sam.screen.choices]


async def test_review_prep_is_not_shared_until_they_tap_share(runtime: Runtime,
                                                              cast: Cast) -> None:
    sam = await consented(runtime, cast)
    await sam.command("review")
    await sam.tap("Let's start")
    await sam.tap("Happy")
    await sam.tap("Done")
    await sam.send("school is going well")
    await sam.send("I want to see my brother more")
    await sam.tap("Skip")
    await sam.send("my old school")
    summary = sam.screen
    assert summary.name == "review.summary"
    assert "school is going well" in summary.text and "my old school" in summary.text
    async with runtime.db.transaction() as session:
        assert (await session.scalars(select(ReviewPrep))).all() == []  # nothing yet
    await sam.tap("Keep it to myself")
    alex = await _staff(runtime, cast.keyworker_id)
    async with runtime.db.transaction() as session:
        row = await session.scalar(select(ReviewPrep))
        assert row is not None and row.shared_at is None
        assert b"brother" not in row.payload_ct
        person = await session.get(YoungPerson, cast.young_person_id)
        assert person is not None
        assert await review_prep.shared_for_review(session, runtime.vault, person) is None

    await sam.command("review")
    assert "kept this to yourself" in sam.screen.text
    await sam.tap("Share it with Alex")
    async with runtime.db.transaction() as session:
        person = await session.get(YoungPerson, cast.young_person_id)
        assert person is not None
        shared = await review_prep.shared_for_review(session, runtime.vault, person)
        assert shared is not None and any("brother" in line for line in shared[0])
    await sam.command("review")
    await sam.tap("Stop sharing it")
    async with runtime.db.transaction() as session:
        person = await session.get(YoungPerson, cast.young_person_id)
        assert person is not None
        assert await review_prep.shared_for_review(session, runtime.vault, person) is None
    assert alex.name == "Alex Morgan"


async def test_risk_words_in_review_prep_raise_an_alert(runtime: Runtime, cast: Cast) -> None:
    await make_team(runtime, cast)
    sam = await consented(runtime, cast)
    await sam.command("review")
    await sam.tap("Let's start")
    await sam.tap("Done")
    await sam.send("I want to kill myself")
    assert any(s.urgent for s in sam.last.screens)
    assert sam.screen.name == "review.change"  # and the questions carry on gently


async def test_goals_rated_sealed_in_order(runtime: Runtime, cast: Cast) -> None:
    await make_team(runtime, cast)
    sam = await consented(runtime, cast)
    await sam.command("goals")
    assert sam.screen.name == "goals.none"
    alex = await _staff(runtime, cast.keyworker_id)
    now = runtime.clock.now()
    async with runtime.db.transaction() as session:
        person = await session.get(YoungPerson, cast.young_person_id)
        assert person is not None
        for n, text in enumerate(("Go to bed by 10", "See my brother every week",
                                  "Try the football club")):
            assert (await add_goal(session, runtime.vault, alex, person, text,
                                   now + timedelta(minutes=n))).ok
        fourth = await add_goal(session, runtime.vault, alex, person, "One more", now)
        assert not fourth.ok and "3 goals" in (fourth.problem or "")
    told = [m.text for row, m in await outbox(runtime, chat_id=YP_CHAT) if row.kind == "goal_added"]
    assert len(told) == 3 and "/goals" in told[0]
    await sam.command("goals")
    assert [c.label for c in sam.screen.choices][:3] == [
        "Go to bed by 10", "See my brother every week", "Try the football club"]
    for value in ("3", "7"):
        if sam.screen.name == "goals.line":
            await sam.tap("My goals")
        await sam.tap("Go to bed by 10")
        labels = [c.label for c in sam.screen.choices]
        assert labels[0].startswith("0 ") and labels[5].startswith("5 ") and labels[10].startswith("10 ")
        assert labels[1] == "1"
        await sam.tap(f"r:{value}")
        runtime.clock.advance(days=1)  # type: ignore[attr-defined]
    assert sam.screen.name == "goals.line"
    assert "3, 7" in sam.screen.text
    assert sam.screen.photos[0].jpeg.startswith(b"\x89PNG")
    async with runtime.db.transaction() as session:
        ratings = (await session.scalars(select(GoalRating))).all()
        assert len(ratings) == 2 and all(b"rating" not in r.payload_ct for r in ratings)
        person = await session.get(YoungPerson, cast.young_person_id)
        assert person is not None
        goals = await goals_of(session, runtime.vault, person)
        assert [v for _at, v in goals[0].ratings] == [3, 7]
    # A forged rating outside 0-10 is not taken.
    await sam.tap("My goals")
    await sam.tap("Go to bed by 10")
    await sam.tap_raw(sam.screen.token, "r:11")
    assert sam.last.notice is not None and "doesn't work here" in sam.last.notice


async def test_erasure_leaves_nothing_readable(runtime: Runtime, cast: Cast) -> None:
    await make_team(runtime, cast)
    sam = await consented(runtime, cast)
    await check_in(sam, ["Happy"])
    alex = await _staff(runtime, cast.keyworker_id)
    now = runtime.clock.now()
    async with runtime.db.transaction() as session:
        person = await session.get(YoungPerson, cast.young_person_id)
        checkin = await session.scalar(select(CheckIn))
        assert person is not None and checkin is not None
        await add_goal(session, runtime.vault, alex, person, "Go to bed by 10", now)
        await record_change(session, runtime.vault, alex, person, checkin.id, "Pizza", now)
        await review_prep.save(session, runtime.vault, person, {"well": "school"}, now,
                               share=True)
    async with runtime.db.transaction() as session:
        await admin.erase_young_person(session, runtime.vault, cast.young_person_id, now)
    async with runtime.db.transaction() as session:
        person = await session.get(YoungPerson, cast.young_person_id)
        assert person is not None
        try:
            await goals_of(session, runtime.vault, person)
        except Exception as exc:  # noqa: BLE001 - any failure to open is the point
            assert "erased" in type(exc).__name__.lower() or "erased" in str(exc).lower()
        else:
            raise AssertionError("an erased young person's goals could still be read")



async def test_risk_words_in_review_prep_with_nobody_reachable_are_told_the_truth(
    runtime: Runtime, cast: Cast
) -> None:
    """Nobody in Sam's alert chain is on Telegram or e-mail: the screen says to find an
    adult now, and never that adults are being told."""
    sam = await consented(runtime, cast)
    await sam.command("review")
    await sam.tap("Let's start")
    await sam.tap("Done")
    await sam.send("I want to kill myself")
    crisis = next(s for s in sam.last.screens if s.urgent)
    assert "Please find an adult where you are right now" in crisis.text
    assert "We are telling" not in crisis.text
    async with runtime.db.transaction() as session:
        # Kept, to go out the moment someone can be reached.
        assert len((await session.scalars(select(Alert))).all()) == 1
