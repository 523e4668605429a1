"""The staff desk beside the other routes in ``admin check``: someone who signed in to
the desk in the last 7 days is shown with "desk (signed in <date>)", but the desk
never makes anyone reachable on its own (nobody may have it open at 3am)."""

from __future__ import annotations

from datetime import timedelta

from core.clock import FrozenClock
from domain.runtime import Runtime
from domain.operator_views import check_report, check_text
from storage.models import Staff
from tests.support.people import Cast


async def _alex(runtime: Runtime, cast: Cast, **values: object) -> None:
    async with runtime.db.transaction() as session:
        alex = await session.get(Staff, cast.keyworker_id)
        assert alex is not None
        for key, value in values.items():
            setattr(alex, key, value)


async def _check(runtime: Runtime) -> tuple[dict, str]:
    async with runtime.db.transaction(read_only=True) as session:
        result = await check_report(session, None, runtime.clock.now())
    return result, check_text(result)


async def test_a_desk_alone_reaches_nobody(runtime: Runtime, cast: Cast,
                                           clock: FrozenClock) -> None:
    # Alex signed in to the desk two days ago, and has no other route (mail is off).
    await _alex(runtime, cast, last_desk_sign_in_at=clock.now() - timedelta(days=2),
                telegram_chat_id=None)
    result, text = await _check(runtime)
    person = result["young_people"][0]
    assert result["ok"] is False and person["reachable"] is False
    member = person["circles"]["keyworker"][0]
    assert member["routes"] == [] and member["desk"] == "desk (signed in 2026-11-21)"
    assert "NOBODY" in text and "no route, desk (signed in 2026-11-21)" in text
    assert any("a desk counts only beside another route" in m for m in person["missing"])


async def test_the_desk_is_shown_beside_another_route(runtime: Runtime, cast: Cast,
                                                      clock: FrozenClock) -> None:
    await _alex(runtime, cast, last_desk_sign_in_at=clock.now() - timedelta(days=6),
                telegram_chat_id=4242)
    result, text = await _check(runtime)
    assert result["ok"] is True
    assert "telegram, desk (signed in 2026-11-17)" in text
    # More than 7 days ago: not shown at all.
    clock.advance(days=2)
    result, text = await _check(runtime)
    member = result["young_people"][0]["circles"]["keyworker"][0]
    assert member["desk"] is None and "desk" not in text and result["ok"] is True


async def test_signing_in_to_the_desk_is_what_counts(runtime: Runtime, cast: Cast) -> None:
    from domain import staff_auth
    from tests.support.desk import first_password

    password = await first_password(runtime, cast.keyworker_email)
    async with runtime.db.transaction() as session:
        signed = await staff_auth.sign_in(session, runtime.vault, email=cast.keyworker_email,
                                          password=password, source="127.0.0.1",
                                          now=runtime.clock.now())
    assert signed.outcome == "ok"
    result, text = await _check(runtime)
    member = result["young_people"][0]["circles"]["keyworker"][0]
    assert member["desk"] == "desk (signed in 2026-11-23)" and "desk (signed in" in text
    # Deactivated staff are refused at sign-in, and their desk is no route at all.
    await _alex(runtime, cast, active=False)
    async with runtime.db.transaction() as session:
        again = await staff_auth.sign_in(session, runtime.vault, email=cast.keyworker_email,
                                         password=password, source="127.0.0.2",
                                         now=runtime.clock.now())
    assert again.outcome == "wrong"
    result, _text = await _check(runtime)
    assert result["young_people"][0]["circles"]["keyworker"] == []
