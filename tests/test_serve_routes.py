"""Serving with email and without Telegram: a warning at start-up for each service
whose alert chains reach nobody, and alert emails sent by the running service."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from core.clock import FrozenClock
from core.config import Settings
from domain.runtime import Runtime
from domain import admin
from tests.support.people import make_cast
from tests.support.safeguarding import check_in, consented
from tests.support.smtp import MailServer
from tests.telegram.test_modes import free_port, start


async def wait_for(condition, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    """Wait until ``condition()`` holds (checked as the loop turns), or fail."""
    async def until() -> None:
        while not condition():
            await asyncio.sleep(0.05)

    await asyncio.wait_for(until(), timeout)


async def test_serve_warns_per_unreachable_service_and_sends_alert_email(
    tmp_path: Path, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    mail = MailServer().start()
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/h.db", master_key_file=tmp_path / "k",
        web_port=free_port(), smtp_url=mail.url, mail_from="heard@north.example",
        _env_file=None,  # type: ignore[call-arg]
    )
    setup = await Runtime.open(settings, clock=clock)
    try:
        north = await make_cast(setup, service="North", nickname="Sam")
        async with setup.db.transaction() as session:
            await admin.create_service(session, name="South", timezone="Europe/London",
                                       now=clock.now())
            await admin.create_staff(session, service_name="South", name="Kit Quiet",
                                     email="kit@south.example", role="keyworker",
                                     now=clock.now(), bot_username=None, no_email=True)
            await admin.create_young_person(
                session, setup.vault, service_name="South", keyworker_email="kit@south.example",
                nickname="Kim", now=clock.now(), bot_username=None,
                public_url=settings.public_url)
        with caplog.at_level(logging.WARNING):
            stop, task = await start(settings, clock)
        try:
            warnings = [r.getMessage() for r in caplog.records if "could reach NOBODY" in
                        r.getMessage()]
            assert len(warnings) == 1 and "'South'" in warnings[0]
            client = await consented(setup, north)
            await check_in(client, ["I need help now"])
            await wait_for(lambda: mail.handler.received)
            (received,) = mail.handler.received
            assert received.to == [north.keyworker_email] and "Sam" not in received.whole
        finally:
            stop.set()
            await task
    finally:
        await setup.close()
        mail.stop()
