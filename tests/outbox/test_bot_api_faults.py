"""Delivery faults through the real aiogram client against a local Bot API stand-in:
429 with retry_after, a 5xx outage, a sender killed with SIGKILL, and two senders
sharing one PostgreSQL outbox."""

from __future__ import annotations

import asyncio
import collections
import os
import signal
import subprocess
import sys
import threading
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from sqlalchemy import func, select

from core.clock import Clock, FrozenClock
from core.config import Settings
from domain.runtime import Runtime
from bot.transport import TelegramTransport
from outbox.message import Message
from outbox.queue import enqueue
from storage.models import OutboxMessage, Staff
from tests.conftest import POSTGRES_URL, _reset_postgres
from tests.outbox.stub_bot_api import StubBotAPI
from testkit.outbox import drain, queue, simulated_sender
from tests.support.people import make_cast
from tests.support.safeguarding import KEYWORKER_CHAT, check_in, consented

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:TEST-token"


@pytest.fixture
async def stub() -> AsyncIterator[StubBotAPI]:
    api = StubBotAPI()
    await api.start()
    yield api
    await api.close()


@pytest.fixture
async def bot(stub: StubBotAPI) -> AsyncIterator[Bot]:
    b = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(stub.url)))
    yield b
    await b.session.close()


async def test_429_retry_after_through_aiogram(
    runtime: Runtime, clock: FrozenClock, stub: StubBotAPI, bot: Bot
) -> None:
    refusals = iter([(429, 3)])
    stub.fail = lambda method, chat: next(refusals, None)
    start = clock.now()
    await queue(runtime, 77, "hello")
    sender = simulated_sender(runtime, clock, TelegramTransport(bot))
    await drain(runtime, clock, sender)
    assert stub.texts() == ["hello"] and stub.refused == 1
    async with runtime.db.transaction() as session:
        row = (await session.scalars(select(OutboxMessage))).one()
    assert row.sent_at is not None and row.sent_at - start >= timedelta(seconds=3)


async def test_500_outage_for_two_minutes_through_aiogram(
    runtime: Runtime, clock: FrozenClock, stub: StubBotAPI, bot: Bot
) -> None:
    outage_end = clock.now() + timedelta(minutes=2)
    stub.fail = lambda method, chat: (500, None) if clock.now() < outage_end else None
    await queue(runtime, 77, "after the outage")
    await drain(runtime, clock, simulated_sender(runtime, clock, TelegramTransport(bot)))
    assert stub.texts() == ["after the outage"]
    assert stub.refused >= 3
    async with runtime.db.transaction() as session:
        row = (await session.scalars(select(OutboxMessage))).one()
    assert row.status == "sent" and row.sent_at is not None and row.sent_at >= outage_end


# -- real processes --------------------------------------------------------------------


class _Worker:
    """``python run.py worker`` in its own process. Its log lines are read as they come,
    so a test waits for the line that says it is ready instead of a fixed while (and
    the pipe never fills up and stalls it)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "run.py"), "worker"], cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **env},
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        self.lines: list[str] = []
        self._loop = asyncio.get_running_loop()
        self._changed = asyncio.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)
            self._loop.call_soon_threadsafe(self._changed.set)
        self._loop.call_soon_threadsafe(self._changed.set)  # ended

    async def wait_for_line(self, text: str, timeout: float = 60.0) -> None:
        """Until the worker logs ``text`` (or fails, showing what it said)."""
        async with asyncio.timeout(timeout):
            while not any(text in line for line in self.lines):
                if self.proc.poll() is not None and not self._reader.is_alive():
                    raise AssertionError("worker ended: " + "".join(self.lines[-20:]))
                self._changed.clear()
                await self._changed.wait()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._reader.join(timeout=10)
        if self.proc.stderr:
            self.proc.stderr.close()


async def _until(predicate, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    """Until ``predicate()`` holds: a condition on the database or the stub, looked at
    again every few milliseconds (the timeout only bounds a hung run)."""
    async with asyncio.timeout(timeout):
        while not await predicate():
            await asyncio.sleep(0.02)


async def _status(runtime: Runtime) -> list[str]:
    async with runtime.db.transaction() as session:
        return list((await session.scalars(select(OutboxMessage.status))).all())


def _env(settings: Settings, stub: StubBotAPI, **extra: str) -> dict[str, str]:
    return {
        "HEARD_DATABASE_URL": settings.database_url,
        "HEARD_MASTER_KEY_FILE": str(settings.master_key_file),
        "HEARD_BOT_TOKEN": TOKEN,
        "HEARD_TELEGRAM_API_URL": stub.url,
        "HEARD_SEND_LEASE_SECONDS": "2",
        "HEARD_SCHEDULE_POLL_SECONDS": "1",
        **extra,
    }


@pytest.mark.parametrize("moment", ["right_after_commit", "mid_send"])
async def test_sigkill_after_checkin_commits_still_delivers_once(
    tmp_path: Path, stub: StubBotAPI, moment: str
) -> None:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/heard.db",
                        master_key_file=tmp_path / "master.key", _env_file=None)  # type: ignore[call-arg]
    runtime = await Runtime.open(settings, clock=Clock())  # the worker runs on real time
    try:
        cast = await make_cast(runtime)
        async with runtime.db.transaction() as session:
            (await session.get(Staff, cast.keyworker_id)).telegram_chat_id = KEYWORKER_CHAT  # type: ignore[union-attr]
        client = await consented(runtime, cast)
        hold = asyncio.Event() if moment == "mid_send" else None
        stub.hold = hold  # the first send never gets its answer
        first = _Worker(_env(settings, stub))
        try:
            await check_in(client, ["Worried"])  # commits the check-in and its notification
            if moment == "mid_send":
                await asyncio.wait_for(stub.arrived.wait(), 60)
        finally:
            first.kill()
        if hold is not None:
            hold.set()  # answer into a dead connection: Telegram never accepted it
        await stub.settled()
        assert stub.accepted == []
        assert await _status(runtime) == ["pending"]
        second = _Worker(_env(settings, stub))
        try:
            # Sent, and the send recorded: from then on nothing can claim it again.
            async def recorded() -> bool:
                return await _status(runtime) == ["sent"]

            await _until(recorded)
            await stub.settled()
        finally:
            second.kill()
        assert [(m, chat) for m, chat, _ in stub.accepted] == [("sendPhoto", KEYWORKER_CHAT)]
        assert "New check-in from Sam" in stub.accepted[0][2]
    finally:
        await runtime.close()


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="HEARD_TEST_POSTGRES_URL is not set: two senders "
                    "sharing one outbox need PostgreSQL (SKIP LOCKED); SQLite runs one sender")
async def test_two_senders_on_postgres_send_1000_exactly_once(
    tmp_path: Path, stub: StubBotAPI
) -> None:
    assert POSTGRES_URL
    await _reset_postgres(POSTGRES_URL)
    settings = Settings(database_url=POSTGRES_URL, master_key_file=tmp_path / "master.key",
                        _env_file=None)  # type: ignore[call-arg]
    runtime = await Runtime.open(settings, clock=Clock())
    stub.delay = 0.01
    env = _env(settings, stub, HEARD_SEND_RATE_GLOBAL="100000", HEARD_SEND_RATE_PER_CHAT="1000",
               HEARD_SEND_LEASE_SECONDS="30")
    workers = [_Worker(env), _Worker(env)]
    try:
        for worker in workers:  # both up before anything is queued
            await worker.wait_for_line("outbox worker")
        async with runtime.db.transaction() as session:
            for i in range(1000):
                await enqueue(session, runtime.vault, chat_id=10_000 + i % 400,
                              message=Message(text=f"m{i}"), kind="test",
                              now=runtime.clock.now())

        async def drained() -> bool:
            async with runtime.db.transaction() as session:
                left = await session.scalar(select(func.count()).select_from(OutboxMessage)
                                            .where(OutboxMessage.status != "sent"))
            return left == 0

        await _until(drained, timeout=120)
        await stub.settled()
        async with runtime.db.transaction() as session:
            senders = (await session.scalars(select(OutboxMessage.locked_by).distinct())).all()
    finally:
        for w in workers:
            w.kill()
        await runtime.close()
    counts = collections.Counter(stub.texts())
    assert set(counts) == {f"m{i}" for i in range(1000)}  # none missing
    assert max(counts.values()) == 1  # none twice
    assert len(senders) == 2  # both processes took part
