"""Guessing PINs: parallel wrong PINs on one link cannot slip past the limit of five
(on SQLite and, when configured, PostgreSQL, where attempts run truly in parallel);
rests grow so slow guessing gets nowhere; the commonest PINs cannot be chosen."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from core.clock import FrozenClock
from domain.runtime import Runtime
from storage.models import OutboxMessage, Staff, WebLogin, YoungPerson
from tests.support.people import make_cast
from domain import pins


async def test_ten_parallel_wrong_pins_are_counted_one_by_one(any_runtime: Runtime) -> None:
    rt = any_runtime
    cast = await make_cast(rt)
    async with rt.db.transaction() as session:
        person = await session.get(YoungPerson, cast.young_person_id)
        assert person is not None
        await pins.set_pin(session, rt.vault, person, "digits", "2468", rt.clock.now())

    async def guess(pin: str) -> pins.Attempt:
        async with rt.db.transaction() as session:
            login = await session.get(WebLogin, cast.young_person_id)
            assert login is not None
            return await pins.try_pin(session, rt.vault, login, pin, rt.clock.now())

    results = await asyncio.gather(*(guess(f"{1000 + i}") for i in range(10)))
    judged = [r for r in results if r.locked_until is None]
    # Four wrong guesses are judged; the fifth locks; the rest find it locked.
    assert len(judged) == 4 and not any(r.ok for r in results)
    async with rt.db.transaction() as session:
        login = await session.get(WebLogin, cast.young_person_id)
        assert login is not None and pins.is_locked(login, rt.clock.now())
    # Even the right PIN is refused while the link rests.
    assert (await guess("2468")).ok is False


@pytest.fixture
def quick_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests count tries over days of simulated time: the smallest argon2
    settings keep dozens of checks quick (what is counted does not change)."""
    monkeypatch.setattr(pins, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


async def _person_with_pin(rt: Runtime, pin: str = "2468") -> str:
    cast = await make_cast(rt)
    async with rt.db.transaction() as session:
        person = await session.get(YoungPerson, cast.young_person_id)
        assert person is not None
        staff = await session.get(Staff, cast.keyworker_id)
        assert staff is not None
        staff.telegram_chat_id = 4242  # so the keyworker can be told
        await pins.set_pin(session, rt.vault, person, "digits", pin, rt.clock.now())
    return cast.young_person_id


async def _guess(rt: Runtime, person_id: str, pin: str) -> pins.Attempt:
    async with rt.db.transaction() as session:
        login = await session.get(WebLogin, person_id)
        assert login is not None
        return await pins.try_pin(session, rt.vault, login, pin, rt.clock.now())


async def _locked_until(rt: Runtime, person_id: str):  # type: ignore[no-untyped-def]
    async with rt.db.transaction() as session:
        login = await session.get(WebLogin, person_id)
        assert login is not None
        return login.locked_until


async def test_rests_grow_and_the_count_does_not_restart(any_runtime: Runtime,
                                                        quick_hashes: None) -> None:
    rt = any_runtime
    clock = rt.clock
    assert isinstance(clock, FrozenClock)
    person_id = await _person_with_pin(rt)
    expected = [timedelta(minutes=15), timedelta(hours=1), timedelta(hours=4),
                timedelta(hours=24), timedelta(hours=24)]
    for rest in expected:
        for attempt in range(5):
            result = await _guess(rt, person_id, f"{1300 + attempt}")
            assert result.ok is False
        assert result.locked_until == clock.now() + rest
        clock.advance(seconds=rest.total_seconds() - 1)
        assert (await _guess(rt, person_id, "2468")).locked_until is not None  # still resting
        clock.advance(seconds=1)
    async with rt.db.transaction() as session:
        sent = (await session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "pin_locked")
            .order_by(OutboxMessage.created_at))).all()
        texts = [(await rt.vault.open(session, m.key_owner, "outbox", m.id, m.payload_ct))["text"]
                 for m in sent]
    # The keyworker is told every time, with the real length of the rest.
    assert len(texts) == 5
    assert "wrong PIN 5 times" in texts[0] and "15 minutes" in texts[0]
    assert "wrong PIN 10 times" in texts[1] and "1 hour" in texts[1]
    assert "4 hours" in texts[2] and "24 hours" in texts[3] and "wrong PIN 25 times" in texts[4]
    # The right PIN, once the rest is over, starts the count again from nothing.
    assert (await _guess(rt, person_id, "2468")).ok is True
    for attempt in range(5):
        result = await _guess(rt, person_id, f"{1300 + attempt}")
    assert result.locked_until == clock.now() + timedelta(minutes=15)


async def test_slow_guessing_gets_few_tries_a_day(runtime: Runtime, quick_hashes: None) -> None:
    """Someone guessing at every moment the link lets them: over three days they get
    fewer than 40 tries (it was about 480 a day when every rest was 15 minutes)."""
    rt = runtime
    clock = rt.clock
    assert isinstance(clock, FrozenClock)
    person_id = await _person_with_pin(rt)
    end = clock.now() + timedelta(days=3)
    judged = 0
    guess = 0
    while clock.now() < end:
        result = await _guess(rt, person_id, f"{3000 + guess}")
        guess += 1
        assert result.ok is False
        if result.locked_until is None or result.locked_until > clock.now():
            judged += 1
        until = await _locked_until(rt, person_id)
        if until is not None and until > clock.now():
            clock.set(until)  # come back the moment the rest ends
    assert judged < 40


def test_common_pins_are_too_easy() -> None:
    for pin in ("1234", "0000", "1111", "2580", "1212", "7777", "1004", "2000", "4444",
                "2222", "6969", "9999", "3333", "5555", "6666", "1122", "1313", "8888",
                "4321", "2001", "1010", "5678", "8901", "9876", "3434", "7788"):
        assert pins.too_easy("digits", pin), pin
    for pin in ("2468", "1357", "3816", "9027"):
        assert not pins.too_easy("digits", pin), pin
    # Pictures: all the same, next to each other, or along one line of the 3 x 3 grid.
    for pin in ("5555", "1234", "6789", "9876", "1232", "1599", "7535", "2585", "3696", "4545"):
        assert pins.too_easy("pictures", pin), pin
    for pin in ("3913", "1627", "8142", "2749"):
        assert not pins.too_easy("pictures", pin), pin
