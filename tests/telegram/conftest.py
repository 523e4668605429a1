"""Heard's Telegram channel two ways: in process (the real Dispatcher fed updates
directly, an in-memory Bot API; most tests) and over HTTP (``serve()`` started as
``python run.py`` would be, against the local Bot API server; a handful of
end-to-end tests)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web

from core.clock import FrozenClock
from core.config import Settings
from domain.runtime import Runtime
from app.serve import serve
from testkit.bot_api import FakeBotAPI
from testkit.heard import TOKEN, HeardOnTelegram
from testkit.telegram import MemoryBotAPI, TelegramUser
from tests.support.people import Cast, make_cast

KEYWORKER, SAM, STRANGER = 2001, 1001, 3003


def code_of(link: object) -> str:
    return str(link).rsplit("=", 1)[1]


# -- in process ----------------------------------------------------------------------------


@dataclass
class Heard:
    """Heard on Telegram in process, with its cast (Alex the keyworker, Sam)."""

    tg: HeardOnTelegram
    cast: Cast
    runtime: Runtime

    @property
    def api(self) -> MemoryBotAPI:
        return self.tg.api

    def user(self, user_id: int, first_name: str = "Sam") -> TelegramUser:
        return self.tg.user(user_id, first_name)

    async def deliver(self) -> int:
        return await self.tg.deliver()

    async def link_everyone(self) -> tuple[TelegramUser, TelegramUser]:
        alex = self.user(KEYWORKER, first_name="Alex")
        await alex.send(f"/start {self.cast.staff_telegram_code}")
        alex.expect("Hello Alex")
        sam = self.user(SAM, first_name="Sam")
        await sam.send(f"/start {code_of(self.cast.young_person_codes['telegram_link'])}")
        sam.expect("This is Heard")
        await sam.tap("OK, let's go")
        sam.expect("What would you like to do?")
        return alex, sam


@pytest.fixture
async def heard(runtime: Runtime, cast: Cast) -> AsyncIterator[Heard]:
    tg = await HeardOnTelegram.start(runtime)
    try:
        yield Heard(tg, cast, runtime)
    finally:
        await tg.close()


# -- over HTTP -------------------------------------------------------------------------------


@dataclass
class Service:
    api: FakeBotAPI
    settings: Settings
    cast: Cast
    stop: asyncio.Event
    runner: web.AppRunner

    async def runtime(self) -> Runtime:
        """A second handle on the same database, as an operator's CLI would have."""
        return await Runtime.open(self.settings)


@pytest.fixture
async def service(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[Service]:
    from bot import pictures

    # Each test has a fresh Bot API server: file ids another test's server gave out
    # mean nothing here (the first sheet of each test is a real upload).
    pictures._file_ids.clear()
    async with FakeBotAPI(bot_username="heard_test_bot") as api:
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{tmp_path}/heard.db",
            master_key_file=tmp_path / "master.key",
            bot_token=TOKEN,
            telegram_api_url=api.base_url,
            web_port=0,
            _env_file=None,  # type: ignore[call-arg]
        )
        setup = await Runtime.open(settings, clock=clock)
        cast = await make_cast(setup)
        await setup.close()
        stop = asyncio.Event()
        started: asyncio.Future[web.AppRunner] = asyncio.get_running_loop().create_future()
        task = asyncio.create_task(serve(settings, stop=stop, clock=clock, started=started))
        # Start-up is awaited on its own signal (``started``) or its failure.
        await asyncio.wait({task, started}, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            task.result()  # start-up failed: show why
        runner = started.result()
        try:
            yield Service(api, settings, cast, stop, runner)
        finally:
            stop.set()
            await task


async def link_everyone(service: Service):  # type: ignore[no-untyped-def]
    """Alex and Sam link their Telegram chats over HTTP; Sam accepts the welcome."""
    api, cast = service.api, service.cast
    alex = api.user(KEYWORKER, first_name="Alex")
    await alex.send(f"/start {cast.staff_telegram_code}")
    await alex.wait_for_message("Hello Alex")
    sam = api.user(SAM, first_name="Sam")
    await sam.send(f"/start {code_of(cast.young_person_codes['telegram_link'])}")
    await sam.wait_for_message("This is Heard")
    await sam.click("OK, let's go")
    await sam.wait_for_message("What would you like to do?")
    return alex, sam
