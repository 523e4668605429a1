"""Parallel wrong PINs on one link cannot slip past the limit of five (on SQLite and,
when configured, PostgreSQL, where attempts run truly in parallel)."""

from __future__ import annotations

import asyncio

from app.runtime import Runtime
from storage.models import WebLogin, YoungPerson
from tests.support.people import make_cast
from web import pins


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
