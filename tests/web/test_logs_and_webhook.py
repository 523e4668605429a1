"""The running server (python run.py's serve()): the access log names routes, never
codes or session ids (issue 11, item 6); the Telegram webhook answers a body that is
not an update with 400 and carries on (item 13)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import aiohttp
import pytest

from core.clock import FrozenClock
from core.config import Settings
from domain.runtime import Runtime
from tests.support.bot_api import FakeBotAPI
from tests.support.people import make_cast
from app.serve import serve
from tests.telegram.test_modes import free_port
from domain.tablets import create_enrolment


async def start(settings: Settings, clock: FrozenClock):  # type: ignore[no-untyped-def]
    """serve() in a task; returns once it listens (or raises what stopped it)."""
    stop = asyncio.Event()
    started: asyncio.Future[object] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(serve(settings, stop=stop, clock=clock, started=started))
    await asyncio.wait({task, started}, timeout=120, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()
    assert started.done(), "the server did not start"
    return stop, task


async def test_access_log_names_routes_not_codes(
    tmp_path: Path, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="aiohttp.access")
    port = free_port()
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/h.db",
                        master_key_file=tmp_path / "k", web_port=port,
                        public_url=f"http://127.0.0.1:{port}", _env_file=None)
    rt = await Runtime.open(settings, clock=clock)
    try:
        cast = await make_cast(rt)
        async with rt.db.transaction() as session:
            made = await create_enrolment(session, service_name=cast.service_name, unit="Oak",
                                          now=clock.now(), public_url=settings.public_url)
    finally:
        await rt.close()
    web_code = str(cast.young_person_codes["web_link"]).rsplit("/", 1)[1]
    enrol_code = str(made["enrol_url"]).rsplit("/", 1)[1]
    personal_code = "k3Y-pers0nal"
    base = f"http://127.0.0.1:{port}"
    stop, task = await start(settings, clock)
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            async with http.get(f"{base}/j/{web_code}") as resp:
                assert resp.status == 200
                session_id = resp.cookies["heard_session"].value
            async with http.post(f"{base}/j/{web_code}", data={"pin": "4826"}) as resp:
                assert resp.status == 403  # no CSRF token: refused, and logged
            async with http.get(f"{base}/p/{personal_code}?m=wrong") as resp:
                assert resp.status == 404
            async with http.post(f"{base}/p/{personal_code}", data={"pin": "4826"}) as resp:
                pass
            async with http.get(f"{base}/tablet/enrol/{enrol_code}") as resp:
                assert resp.status == 200
            async with http.get(f"{base}/j/{web_code}/and-more") as resp:
                assert resp.status == 404  # matched no route at all
    finally:
        stop.set()
        await task
    lines = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    log_text = "\n".join(lines)
    assert len(lines) == 6
    for secret in (web_code, enrol_code, personal_code, session_id, "m=wrong"):
        assert secret not in log_text
    assert '"GET /j/{code}" 200' in log_text and '"POST /j/{code}" 403' in log_text
    assert '"POST /p/{code}"' in log_text and '"GET /tablet/enrol/{code}" 200' in log_text
    assert '"GET -" 404' in log_text


async def test_webhook_refuses_a_body_that_is_not_an_update_and_carries_on(
    tmp_path: Path, clock: FrozenClock, caplog: pytest.LogCaptureFixture
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
            secret = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
            async with aiohttp.ClientSession() as http:
                for body, kind in ((b"this is not json", "text/plain"),
                                   (b'{"update_id": 7, "mess', "application/json"),
                                   (b'{"update_id": "seven", "message": 5}', "application/json"),
                                   (b"\xff\xfe\x00", "application/json")):
                    async with http.post(settings.webhook_url, data=body,
                                         headers=secret | {"Content-Type": kind}) as resp:
                        assert resp.status == 400, body
            # Carry on: the next real update is handled as usual.
            stranger = api.user(556, first_name="Jo")
            await stranger.send("hi")
            await stranger.wait_for_message("private service")
        finally:
            stop.set()
            await task
    assert "Traceback" not in caplog.text and "Error handling request" not in caplog.text
    assert caplog.text.count("refused a body that is not a Telegram update") == 4
    assert "this is not json" not in caplog.text and "seven" not in caplog.text  # no bodies
