"""Starting up: no token (web only), and webhook mode with a secret token."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from core.clock import FrozenClock
from core.config import Settings
from app.serve import serve
from testkit.bot_api import FakeBotAPI


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def start(settings: Settings, clock: FrozenClock):  # type: ignore[no-untyped-def]
    stop = asyncio.Event()
    started: asyncio.Future[web.AppRunner] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(serve(settings, stop=stop, clock=clock, started=started))
    done, _ = await asyncio.wait({task, started}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()
    return stop, task


async def test_without_a_token_the_web_still_serves(
    tmp_path: Path, clock: FrozenClock, caplog
) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/h.db",
                        master_key_file=tmp_path / "k", web_port=port, _env_file=None)
    stop, task = await start(settings, clock)
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                assert resp.status == 200
                body = await resp.json()
        assert body["status"] == "ok" and body["telegram"] == "off"
        assert "Telegram is off" in caplog.text
    finally:
        stop.set()
        await task


async def test_webhook_mode_sets_the_hook_with_a_secret_and_handles_updates(
    tmp_path: Path, clock: FrozenClock
) -> None:
    port = free_port()
    async with FakeBotAPI() as api:
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{tmp_path}/h.db", master_key_file=tmp_path / "k",
            bot_token="123:T", telegram_api_url=api.base_url, web_port=port,
            webhook_url=f"http://127.0.0.1:{port}/telegram/webhook", webhook_secret="s3cret",
            _env_file=None,
        )
        stop, task = await start(settings, clock)
        try:
            hooks = api.calls_to("setWebhook")
            assert len(hooks) == 1 and hooks[0].params["secret_token"] == "s3cret"
            # Only the update types the dispatcher has handlers for.
            assert sorted(api.webhook_allowed_updates or []) == ["callback_query", "message"]
            assert not api.calls_to("getUpdates")
            stranger = api.user(555, first_name="Jo")
            await stranger.send("hi")  # the fake posts it to our webhook, with the secret
            await stranger.wait_for_message("private service")
            async with aiohttp.ClientSession() as http:
                async with http.post(settings.webhook_url, json={"update_id": 9},
                                     headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}) as r:
                    assert r.status == 401
        finally:
            stop.set()
            await task


@pytest.mark.redis
async def test_only_one_of_several_workers_sets_the_webhook(tmp_path: Path, clock: FrozenClock) -> None:
    import os

    import pytest

    from domain.runtime import Runtime
    from app.serve import set_webhook_once
    from bot.factory import make_bot

    redis_url = os.environ.get("HEARD_TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("HEARD_TEST_REDIS_URL is not set (CI sets it to the local Redis)")
    from redis.asyncio import Redis

    from tests.conftest import REDIS_PREFIX

    redis = Redis.from_url(redis_url)
    await redis.delete(f"{REDIS_PREFIX}set-webhook")
    await redis.aclose()
    async with FakeBotAPI() as api:
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{tmp_path}/h.db", master_key_file=tmp_path / "k",
            bot_token="123:T", telegram_api_url=api.base_url, redis_url=redis_url,
            redis_prefix=REDIS_PREFIX,
            webhook_url="https://heard.example/telegram/webhook", webhook_secret="s",
            _env_file=None,
        )
        runtime = await Runtime.open(settings, clock=clock)
        bots = [make_bot(settings) for _ in range(3)]
        try:
            await asyncio.gather(*(set_webhook_once(runtime, bot) for bot in bots))
        finally:
            for bot in bots:
                await bot.session.close()
            await runtime.close()
        assert len(api.calls_to("setWebhook")) == 1
    # The lock lives under this run's own prefix, so another run is not held up by it.
    redis = Redis.from_url(redis_url)
    try:
        assert await redis.exists(f"{REDIS_PREFIX}set-webhook") == 1
    finally:
        await redis.aclose()
