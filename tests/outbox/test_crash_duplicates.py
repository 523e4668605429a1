"""A real ``run.py worker`` killed with SIGKILL twice in the middle of a 300-message
burst, against the local Bot API over HTTP, on SQLite and on PostgreSQL: every
message arrives, and each kill re-sends at most the messages that were between
"sent to Telegram" and "written down as sent" -- one for a sender sending one at a
time, never more than its concurrency. Every re-send is logged with its outbox id.

Run with ``-s`` to see the figures (docs/delivery.md keeps them)."""

from __future__ import annotations

import asyncio
import collections
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.clock import Clock
from core.config import Settings
from domain.runtime import Runtime
from outbox.message import Message
from outbox.queue import enqueue
from storage.models import OutboxMessage
from tests.conftest import POSTGRES_URL, _reset_postgres
from tests.support.bot_api import FakeBotAPI

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 300
KILLS_AT = (90, 190)  # kill the sender once this many messages have arrived


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as err:
        return subprocess.Popen(
            [sys.executable, str(ROOT / "run.py"), "worker"], cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **env},
            stdout=subprocess.DEVNULL, stderr=err,
        )


def _kill(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)


async def _until(predicate, what: str, timeout: float = 90.0) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not await predicate():
        if loop.time() > end:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


_NO_PG = pytest.mark.skipif(not POSTGRES_URL, reason="HEARD_TEST_POSTGRES_URL is not set (CI sets it)")


@pytest.mark.parametrize(("database", "concurrency"), [
    pytest.param("sqlite", 1, id="sqlite-one-at-a-time"),
    pytest.param("postgres", 1, id="postgres-one-at-a-time", marks=_NO_PG),
    pytest.param("sqlite", 16, id="sqlite-default-concurrency"),
])
async def test_two_kills_mid_burst_resend_at_most_one_each(
    tmp_path: Path, database: str, concurrency: int
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/heard.db"
    if database == "postgres":
        assert POSTGRES_URL
        await _reset_postgres(POSTGRES_URL)
        url = POSTGRES_URL
    settings = Settings(database_url=url, master_key_file=tmp_path / "master.key",
                        _env_file=None)  # type: ignore[call-arg]
    runtime = await Runtime.open(settings, clock=Clock())  # the worker runs on real time
    log = tmp_path / "worker.log"
    try:
        async with runtime.db.transaction() as session:
            for i in range(MESSAGES):
                await enqueue(session, runtime.vault, chat_id=50_000 + i,
                              message=Message(text=f"m{i}"), kind="test", now=runtime.clock.now())
        async with FakeBotAPI() as api:
            env = {
                "HEARD_DATABASE_URL": url,
                "HEARD_MASTER_KEY_FILE": str(settings.master_key_file),
                "HEARD_BOT_TOKEN": "123456:TEST-token",
                "HEARD_TELEGRAM_API_URL": api.base_url,
                "HEARD_SEND_LEASE_SECONDS": "2",
                "HEARD_SEND_RATE_GLOBAL": "50",
                "HEARD_SEND_CONCURRENCY": str(concurrency),
                "HEARD_SCHEDULE_POLL_SECONDS": "5",
            }

            def accepted() -> list[str]:
                return [c.params["text"] for c in api.calls_to("sendMessage") if c.status == 200]

            killed_at: list[int] = []  # how many had arrived when each worker was dead
            for at in KILLS_AT:
                proc = _worker(env, log)
                try:
                    async def arrived(at: int = at, proc: subprocess.Popen[bytes] = proc) -> bool:
                        if proc.poll() is not None:
                            raise AssertionError(f"worker exited: {log.read_text()[-2000:]}")
                        return len(accepted()) >= at

                    await _until(arrived, f"{at} messages")
                finally:
                    _kill(proc)
                killed_at.append(len(accepted()))
            last = _worker(env, log)
            try:
                async def all_sent() -> bool:
                    async with runtime.db.transaction() as session:
                        left = await session.scalar(
                            select(func.count()).select_from(OutboxMessage)
                            .where(OutboxMessage.status != "sent"))
                    return left == 0

                # Rows marked sent are never claimed again: once all are, no more
                # re-sends can come.
                await _until(all_sent, "every message marked sent")
            finally:
                _kill(last)
            texts = accepted()
        async with runtime.db.transaction() as session:
            rows = (await session.execute(select(OutboxMessage.id, OutboxMessage.chat_id))).all()
    finally:
        await runtime.close()
    counts = collections.Counter(texts)
    assert set(counts) == {f"m{i}" for i in range(MESSAGES)}  # none lost
    duplicates = {text: n - 1 for text, n in counts.items() if n > 1}
    first = {text: texts.index(text) for text in duplicates}
    per_kill = [sum(1 for i in first.values() if lo <= i < hi)
                for lo, hi in zip([0, *killed_at], killed_at, strict=False)]
    print(f"\n{database}, concurrency {concurrency}: {MESSAGES} messages, {len(KILLS_AT)} kills, "
          f"sent twice per kill {per_kill}: {sorted(duplicates)}")
    assert sum(per_kill) == sum(duplicates.values())  # every re-send follows a kill
    # One for a sender sending one at a time; never more than what it had in flight.
    assert all(n <= concurrency for n in per_kill), (per_kill, duplicates)
    # Every re-send was logged with its outbox id (and no words of the message).
    id_of_chat = {chat: row_id for row_id, chat in rows}
    logged = log.read_text()
    for text in duplicates:
        row_id = id_of_chat[50_000 + int(text[1:])]
        assert f"outbox {row_id} taken over after a lease ran out" in logged
    assert not re.search(r"\bm\d+\b", logged)  # no message text in the log
