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
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from sqlalchemy import func, select

from app.clock import Clock, FrozenClock
from app.config import Settings
from app.runtime import Runtime
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


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "run.py"), "worker"], cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def _kill(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    if proc.stderr:
        proc.stderr.close()


async def _until(predicate, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not await predicate():
        if loop.time() > end:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.05)


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
        first = _worker(_env(settings, stub))
        try:
            await check_in(client, ["Worried"])  # commits the check-in and its notification
            if moment == "mid_send":
                await asyncio.wait_for(stub.arrived.wait(), 30)
            _kill(first)
        finally:
            _kill(first)
        if hold is not None:
            hold.set()  # answer into a dead connection: Telegram never accepted it
        await asyncio.sleep(0.1)
        assert stub.accepted == []
        second = _worker(_env(settings, stub))
        try:
            async def delivered() -> bool:
                return len(stub.accepted) >= 1

            await _until(delivered)
            await asyncio.sleep(3)  # longer than the lease: a duplicate would show now
        finally:
            _kill(second)
        assert [(m, chat) for m, chat, _ in stub.accepted] == [("sendPhoto", KEYWORKER_CHAT)]
        assert "New check-in from Sam" in stub.accepted[0][2]
        async with runtime.db.transaction() as session:
            row = (await session.scalars(select(OutboxMessage))).one()
        assert row.status == "sent"
    finally:
        await runtime.close()


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
    workers = [_worker(env), _worker(env)]
    try:
        await asyncio.sleep(2)  # both up and polling before anything is queued
        assert all(w.poll() is None for w in workers)
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
        await asyncio.sleep(1)
        async with runtime.db.transaction() as session:
            senders = (await session.scalars(select(OutboxMessage.locked_by).distinct())).all()
    finally:
        for w in workers:
            _kill(w)
        await runtime.close()
    counts = collections.Counter(stub.texts())
    assert set(counts) == {f"m{i}" for i in range(1000)}  # none missing
    assert max(counts.values()) == 1  # none twice
    assert len(senders) == 2  # both processes took part
