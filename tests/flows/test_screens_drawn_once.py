"""Each input draws its screen once: a tap on a check-in is checked against what was
shown, kept with the state. A screen showing live data is drawn again before a tap
is taken, so a button that no longer applies is still refused."""

from __future__ import annotations

import pytest

from domain.goals import add_goal, end_goal, goals_of
from domain.runtime import Runtime
from flows.checkin import CheckInFlow
from flows.home import HomeFlow
from flows.state import load_state, save_state
from storage.models import Staff, YoungPerson
from tests.support.flow_client import FlowClient
from tests.support.people import Cast
from tests.support.safeguarding import consented


def count_renders(monkeypatch: pytest.MonkeyPatch, flow: type) -> list[str]:
    drawn: list[str] = []
    render = flow.render

    async def counted(self, ctx, state):  # type: ignore[no-untyped-def]
        drawn.append(state.step)
        return await render(self, ctx, state)

    monkeypatch.setattr(flow, "render", counted)
    return drawn


async def test_a_check_in_draws_each_screen_once(runtime: Runtime, cast: Cast,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    sam = await consented(runtime, cast)
    drawn = count_renders(monkeypatch, CheckInFlow)
    await sam.command("checkin")
    assert drawn == ["cards"]
    await sam.tap("Worried")
    await sam.tap("Done")
    await sam.tap("A lot")
    assert drawn == ["cards", "cards", "amount", "help"]
    await sam.tap("Just sit with me")
    await sam.send("a hard day")
    assert drawn == ["cards", "cards", "amount", "help", "words"]
    assert sam.screen.name == "home"
    # Checked against what was shown: a forged choice is still refused.
    await sam.command("checkin")
    await sam.tap_raw(sam.screen.token, "c:not-a-card")
    assert "doesn't work here" in (sam.last.notice or "")
    assert sam.screen.name == "checkin.cards"


async def test_a_state_saved_without_its_offers_is_drawn_again(
        runtime: Runtime, cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    sam = await consented(runtime, cast)
    await sam.command("checkin")
    async with runtime.db.transaction() as session:  # as an older version saved it
        state = await load_state(session, runtime.vault, cast.young_person_id)
        assert state is not None and state.shown is not None
        state.shown = None
        await save_state(session, runtime.vault, cast.young_person_id, state,
                         runtime.clock.now())
    drawn = count_renders(monkeypatch, CheckInFlow)
    await sam.tap("Sad")
    assert drawn[0] == "cards" and sam.screen.name == "checkin.cards"
    assert {c.card_id for c in sam.screen.choices if c.selected} == {"sad"}


async def test_a_live_button_that_no_longer_applies_is_refused(
        runtime: Runtime, cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    sam: FlowClient = await consented(runtime, cast)
    now = runtime.clock.now()
    async with runtime.db.transaction() as session:
        alex = await session.get(Staff, cast.keyworker_id)
        person = await session.get(YoungPerson, cast.young_person_id)
        assert alex is not None and person is not None
        assert (await add_goal(session, runtime.vault, alex, person, "Go to bed by 10", now)).ok
    await sam.command("home")
    assert "go:goals" in {c.id for c in sam.screen.choices}
    async with runtime.db.transaction() as session:  # finished on the desk meanwhile
        alex = await session.get(Staff, cast.keyworker_id)
        person = await session.get(YoungPerson, cast.young_person_id)
        assert alex is not None and person is not None
        goal = (await goals_of(session, runtime.vault, person))[0]
        assert await end_goal(session, alex, person, goal.id, now)
    drawn = count_renders(monkeypatch, HomeFlow)
    await sam.tap_raw(sam.screen.token, "go:goals")
    assert "doesn't work here" in (sam.last.notice or "")
    assert sam.screen.name == "home" and "go:goals" not in {c.id for c in sam.screen.choices}
    assert len(drawn) == 2  # checked against the live screen, then shown
