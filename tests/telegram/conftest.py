"""Heard's whole service (``app.serve.serve``), started as ``python run.py`` would be,
pointed at a local Bot API server through HEARD_TELEGRAM_API_URL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web

from app.clock import FrozenClock
from app.config import Settings
from app.runtime import Runtime
from app.serve import serve
from tests.support.bot_api import FakeBotAPI
from tests.support.people import Cast, make_cast


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
    async with FakeBotAPI(bot_username="heard_test_bot") as api:
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{tmp_path}/heard.db",
            master_key_file=tmp_path / "master.key",
            bot_token="123456:TEST-token",
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
        done, _ = await asyncio.wait({task, started}, timeout=60,
                                     return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()  # start-up failed: show why
        runner = started.result()
        try:
            yield Service(api, settings, cast, stop, runner)
        finally:
            stop.set()
            await asyncio.wait_for(task, 15)
