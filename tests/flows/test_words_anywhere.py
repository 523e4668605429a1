"""Risk words are read wherever they are typed, and linking mistakes burn no links."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.config import Settings
from domain.runtime import Runtime
from domain.linking import link_telegram
from storage.models import Alert, CheckIn
from tests.flows.test_checkin_flow import consented
from tests.support.people import Cast


async def alerts(runtime: Runtime) -> int:
    async with runtime.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(Alert)) or 0)


async def test_risk_words_on_the_home_screen_raise_an_alert(runtime: Runtime, cast: Cast) -> None:
    client = await consented(runtime, cast)
    await client.send("I want to kill myself")
    assert await alerts(runtime) == 1
    assert [s.name for s in client.last.screens] == ["flows.crisis", "home"]
    assert client.last.notice is None  # not "please tap a button" to someone in crisis


async def test_risk_words_in_too_long_a_message_still_raise_an_alert(
    runtime: Runtime, cast: Cast
) -> None:
    client = await consented(runtime, cast)
    await client.command("checkin")
    for label in ("Sad", "Done", "A lot", "Some space"):
        await client.tap(label)
    await client.send("I want to kill myself tonight. " + "x" * 600)
    assert await alerts(runtime) == 1
    assert "under 500" in (client.last.notice or "")
    assert any(s.links for s in client.last.screens)
    assert client.screen.name == "checkin.words"  # they can still finish the check-in
    async with runtime.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(CheckIn)) == 0


async def test_ordinary_words_on_the_home_screen_raise_nothing(runtime: Runtime, cast: Cast) -> None:
    client = await consented(runtime, cast)
    await client.send("this homework is killing me")
    assert await alerts(runtime) == 0
    assert client.last.notice == "Please tap one of the buttons."


async def test_a_refused_link_leaves_the_code_usable(runtime: Runtime, cast: Cast) -> None:
    code = str(cast.young_person_codes["telegram_link"]).rsplit("=", 1)[1]
    now = runtime.clock.now()
    async with runtime.db.transaction() as session:
        staff = await link_telegram(session, str(cast.staff_telegram_code), user_id=7, chat_id=7,
                                    now=now)
        assert staff.staff is not None
    async with runtime.db.transaction() as session:
        # The keyworker tries the young person's link on their own Telegram: refused...
        refused = await link_telegram(session, code, user_id=7, chat_id=7, now=now)
        assert refused.problem == "already_linked"
    async with runtime.db.transaction() as session:
        # ...and the young person's link still works for them.
        linked = await link_telegram(session, code, user_id=8, chat_id=8, now=now)
        assert linked.young_person is not None


def test_webhook_mode_requires_a_secret(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="HEARD_WEBHOOK_SECRET"):
        Settings(webhook_url="https://x.example/hook", master_key_file=tmp_path / "k",
                 _env_file=None)
