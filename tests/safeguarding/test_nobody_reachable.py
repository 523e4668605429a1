"""When no one in a young person's alert chain can be reached by any route, they are
told the truth on the spot, the server says so loudly (ERROR, /healthz degraded,
admin alerts), and the alert goes out the moment someone can be reached."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from core.clock import FrozenClock
from domain.runtime import Runtime
from app.scheduler import run_due
from domain.linking import link_telegram
from tests.support.outbox_driver import ScriptedTransport, drain, simulated_sender
from tests.support.people import Cast
from tests.web.test_tablet_and_parity import signed_in_on_tablet
from web.app import init_app

ROOT = Path(__file__).resolve().parents[2]
HONEST = "Please find an adult where you are right now and show them this screen."
ALEX_CHAT = 7007


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(init_app(runtime))) as c:
        yield c


def admin_alerts(runtime: Runtime, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEARD_")}
    env["HEARD_DATABASE_URL"] = runtime.settings.database_url
    env["HEARD_MASTER_KEY_FILE"] = str(runtime.settings.master_key_file)
    return subprocess.run([sys.executable, str(ROOT / "run.py"), "admin", "alerts", *args],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)


async def health(client: TestClient) -> dict:  # type: ignore[type-arg]
    async with client.get("/healthz") as resp:
        assert resp.status == 200
        return await resp.json()


async def test_nobody_reachable_is_told_honestly_and_delivered_when_someone_links(
    client: TestClient, runtime: Runtime, cast: Cast, clock: FrozenClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert (await health(client))["status"] == "ok"
    tablet = await signed_in_on_tablet(client, runtime, cast)
    with caplog.at_level(logging.ERROR):
        for label in ("OK, let's go", "Show how I feel", "I need help now", "Done"):
            await tablet.tap(label)
        while "Skip" in tablet.html or "A lot" in tablet.text:  # finish, however long it is
            await tablet.tap("Skip" if "Skip" in tablet.html else "A lot")
            if "Talk to my keyworker" in tablet.text:
                await tablet.tap("Talk to my keyworker")

    # The truth, kindly, with who to call: never "we are telling the adults".
    assert HONEST in tablet.text
    assert "we are telling" not in tablet.text.lower()
    assert "Childline" in tablet.text and "999" in tablet.text
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "reached NOBODY" in errors[0].getMessage()

    body = await health(client)
    assert body["status"] == "degraded" and body["unreached_alerts"] == 1
    assert "reached nobody" in body["reason"]

    listed = admin_alerts(runtime, "--open", "--json")
    assert listed.returncode == 0, listed.stderr
    (alert,) = json.loads(listed.stdout)["alerts"]
    assert alert["status"] == "open" and alert["reached_nobody"] and alert["told"] == []
    readable = admin_alerts(runtime, "--open")
    assert "REACHED NOBODY" in readable.stdout

    # Still nobody: the scheduler keeps it open without raising the alarm again.
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        assert (await run_due(runtime.db, runtime.vault, clock))["unreached_alerts"] == 0
    assert not [r for r in caplog.records if r.levelno == logging.ERROR]

    # Alex links Telegram: the open alert goes out on the next pass.
    clock.advance(minutes=3)
    assert cast.staff_telegram_code
    async with runtime.db.transaction() as session:
        linked = await link_telegram(session, cast.staff_telegram_code, user_id=ALEX_CHAT,
                                     chat_id=ALEX_CHAT, now=clock.now())
        assert linked.staff is not None
    assert (await run_due(runtime.db, runtime.vault, clock))["unreached_alerts"] == 1
    transport = ScriptedTransport(clock)
    await drain(runtime, clock, simulated_sender(runtime, clock, transport))
    (delivered,) = [d for d in transport.delivered if d[1] == ALEX_CHAT]
    assert "URGENT" in delivered[2]

    assert (await health(client))["status"] == "ok"
    (alert,) = json.loads(admin_alerts(runtime, "--json").stdout)["alerts"]
    assert not alert["reached_nobody"]
    (told,) = alert["told"]
    assert told["circle"] == "keyworker" and told["email"] == cast.keyworker_email
    assert [(r["route"], r["status"]) for r in told["routes"]] == [("telegram", "sent")]
