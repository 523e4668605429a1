"""When the database fails under a running Heard -- SQLite's disk full; PostgreSQL's
connections terminated, and the new ones unable to write -- a young person's tap is
answered kindly on Telegram and on the web (never silence, never a traceback),
/healthz says 503 with the reason, the log says it once for the whole episode, and
taps work again after.

The whole service runs as ``python run.py`` would (app.serve.serve) against the
local Bot API; the faults are real: SQLite's ``max_page_count`` makes it report
SQLITE_FULL; on PostgreSQL our own test database's backends are terminated
(pg_terminate_backend) and the connections that replace them are read-only."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import event, select, text

from core.clock import FrozenClock
from core.config import Settings
from domain.runtime import Runtime
from app.serve import serve
from storage.models import ProcessedUpdate
from tests.conftest import POSTGRES_URL, _reset_postgres
from tests.support.bot_api import FakeBotAPI, FakeUser
from tests.support.people import Cast, make_cast
from tests.support.web_client import WebPerson
from web.keys import RUNTIME

SAM = 1001
KIND = "Something went wrong on our side"
FAULT_LINE = "database fault:"


@dataclass
class Running:
    api: FakeBotAPI
    settings: Settings
    cast: Cast
    runtime: Runtime  # the service's own
    base: str


@pytest.fixture
async def running(request: pytest.FixtureRequest, tmp_path: Path,
                  clock: FrozenClock) -> AsyncIterator[Running]:
    url = f"sqlite+aiosqlite:///{tmp_path}/heard.db"
    if request.param == "postgres":
        if not POSTGRES_URL:
            pytest.skip("HEARD_TEST_POSTGRES_URL is not set (CI sets it to the local PostgreSQL)")
        await _reset_postgres(POSTGRES_URL)
        url = POSTGRES_URL
    async with FakeBotAPI(bot_username="heard_test_bot") as api:
        settings = Settings(database_url=url, master_key_file=tmp_path / "master.key",
                            bot_token="123456:TEST-token", telegram_api_url=api.base_url,
                            web_port=0, _env_file=None)  # type: ignore[call-arg]
        setup = await Runtime.open(settings, clock=clock)
        cast = await make_cast(setup)
        await setup.close()
        stop = asyncio.Event()
        started: asyncio.Future[web.AppRunner] = asyncio.get_running_loop().create_future()
        task = asyncio.create_task(serve(settings, stop=stop, clock=clock, started=started))
        done, _ = await asyncio.wait({task, started}, timeout=60,
                                     return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()
        runner = started.result()
        port = runner.addresses[0][1]
        try:
            yield Running(api, settings, cast, runner.app[RUNTIME], f"http://127.0.0.1:{port}")
        finally:
            stop.set()
            await asyncio.wait_for(task, 30)


async def _linked_sam(run: Running) -> FakeUser:
    sam = run.api.user(SAM, first_name="Sam")
    link = str(run.cast.young_person_codes["telegram_link"])
    await sam.send(f"/start {link.rsplit('=', 1)[1]}")
    await sam.wait_for_message("This is Heard", timeout=15)
    await sam.click("OK, let's go")
    await sam.wait_for_message("What would you like to do?", timeout=15)
    return sam


async def _healthz(base: str) -> tuple[int, dict[str, object]]:
    async with aiohttp.ClientSession() as http, http.get(f"{base}/healthz") as resp:
        return resp.status, await resp.json()


def _fault_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith(FAULT_LINE)]


async def _tap_gets_kind_words(sam: FakeUser) -> None:
    await sam.send("/listened")
    said = await sam.wait_for_message(KIND, timeout=15)
    assert "try again in a minute" in said["text"]


# -- SQLite: the disk is full -----------------------------------------------------------


def _fill_sqlite(path: str, received_at: str) -> int:
    """Cap the file at its size and fill it, the way a full disk would: every page
    in use, and the update-id table's last page full, so the next update cannot be
    recorded. Returns the page cap."""
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("CREATE TABLE filler (x BLOB)")
        cap = con.execute("PRAGMA page_count").fetchone()[0]
        con.execute(f"PRAGMA max_page_count = {cap}")
        for size in (4000, 1000, 100, 1):  # the free pages first, then the last crumbs
            try:
                while True:
                    con.execute("INSERT INTO filler VALUES (zeroblob(?))", (size,))
            except sqlite3.OperationalError as error:
                assert "full" in str(error)
        # Update ids like Telegram's (same sizes), before the fake's 100000001...
        next_id = 16_777_216
        try:
            while True:
                con.execute("INSERT INTO processed_updates (update_id, received_at) VALUES (?, ?)",
                            (next_id, received_at))
                next_id += 1
        except sqlite3.OperationalError as error:
            assert "full" in str(error)
        return int(cap)
    finally:
        con.close()


@pytest.mark.parametrize("running", ["sqlite"], indirect=True)
async def test_sqlite_disk_full_kind_words_health_and_one_log_line(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    run = running
    sam = await _linked_sam(run)
    db = run.runtime.db
    async with db.transaction() as session:
        received_at = await session.scalar(
            select(text("received_at")).select_from(ProcessedUpdate).limit(1))
    path = run.settings.database_url.split("///", 1)[1]
    cap = _fill_sqlite(path, str(received_at))

    def capped(dbapi_conn, _record, _proxy) -> None:  # type: ignore[no-untyped-def]
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA max_page_count = {cap}")
        cur.close()

    # Every unit of work from now on sees the full disk (the cap is per connection).
    event.listen(db.engine.sync_engine, "checkout", capped)
    try:
        for _ in range(3):
            await _tap_gets_kind_words(sam)
        status, body = await _healthz(run.base)
        assert status == 503 and body["status"] == "unavailable"
        assert "full" in str(body["reason"])
        assert len(_fault_lines(caplog)) == 1, _fault_lines(caplog)
        assert "Traceback" not in caplog.text
    finally:
        event.remove(db.engine.sync_engine, "checkout", capped)
        con = sqlite3.connect(path, isolation_level=None)
        con.execute("DROP TABLE filler")
        con.close()

    # The disk has room again: pooled connections lift their cap as they are checked out
    # (dropping the filler alone may free only a page or two).
    def uncapped(dbapi_conn, _record, _proxy) -> None:  # type: ignore[no-untyped-def]
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA max_page_count = 1073741823")
        cur.close()

    event.listen(db.engine.sync_engine, "checkout", uncapped)
    await sam.send("/listened")
    await sam.wait_for_message("Who are you thinking about", timeout=15)
    status, body = await _healthz(run.base)
    assert status == 200 and body["status"] == "ok"
    assert len(_fault_lines(caplog)) == 1


# -- PostgreSQL: connections terminated, and refused ----------------------------------


@pytest.mark.parametrize("running", ["postgres"], indirect=True)
async def test_postgres_connections_terminated_then_unable_to_write_on_both_channels(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    import asyncpg

    caplog.set_level(logging.INFO)
    run = running
    assert POSTGRES_URL
    sam = await _linked_sam(run)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),
                                     base_url=run.base) as http:
        kai = WebPerson(http)  # type: ignore[arg-type]
        async with run.runtime.db.transaction() as session:
            from domain import admin

            made = await admin.create_young_person(
                session, run.runtime.vault, service_name=run.cast.service_name,
                keyworker_email=run.cast.keyworker_email, nickname="Kai",
                now=run.runtime.clock.now(), bot_username=None,
                public_url=run.settings.public_url)
        await kai.set_pin(str(made["web_link"]))
        assert kai.status == 200
        await kai.get("/me")
        assert kai.status == 200

        dsn = POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://")
        admin_conn = await asyncpg.connect(dsn)
        dbname = await admin_conn.fetchval("SELECT current_database()")
        terminate = ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        try:
            # A terminated connection alone is recovered at once (a fresh one, and
            # the update retried): the young person notices nothing.
            await admin_conn.execute(terminate)
            await sam.send("/listened")
            await sam.wait_for_message("Who are you thinking about", timeout=15)
            await kai.get("/me")
            assert kai.status == 200
            assert not _fault_lines(caplog)
            # Our own test database only: the connections that replace the terminated
            # ones cannot write.
            await admin_conn.execute(
                f'ALTER DATABASE "{dbname}" SET default_transaction_read_only = on')
            await admin_conn.execute(terminate)
            for _ in range(3):
                await _tap_gets_kind_words(sam)
            for _ in range(2):
                await kai.get("/me")  # reading still works; saving a tap cannot
                assert kai.status == 200
                html = await kai.tap("OK, let's go")
                assert kai.status == 503 and KIND in html and "Traceback" not in html
            status, body = await _healthz(run.base)
            assert status == 503 and body["database"] == "failing"
            assert "read-only" in str(body["reason"])
            assert len(_fault_lines(caplog)) == 1, _fault_lines(caplog)
        finally:
            await admin_conn.execute(f'ALTER DATABASE "{dbname}" RESET default_transaction_read_only')
            await admin_conn.execute(terminate)
            await admin_conn.close()
        await sam.send("/listened")
        await sam.wait_for_message("Who are you thinking about", timeout=15)
        status, body = await _healthz(run.base)
        assert status == 200 and body["status"] == "ok"
        await kai.get("/me")
        assert kai.status == 200
    assert len(_fault_lines(caplog)) == 1
