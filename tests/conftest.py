"""Shared fixtures: a fresh data directory per test, a migrated database (SQLite, or
PostgreSQL when HEARD_TEST_POSTGRES_URL is set for the storage tests), a frozen clock."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.clock import FrozenClock
from core.config import Settings
from domain.runtime import Runtime
from testkit.databases import clear_redis_prefix, create_database, drop_database, redis_prefix
from tests.support.people import Cast, make_cast

# HEARD_TEST_POSTGRES_URL names a server and a database to start from; each run
# works in a database of its own made beside it (see pytest_configure), so two runs
# on one machine never clobber each other. POSTGRES_URL is that run's database.
POSTGRES_BASE_URL = os.environ.get("HEARD_TEST_POSTGRES_URL")
POSTGRES_URL = POSTGRES_BASE_URL
REDIS_URL = os.environ.get("HEARD_TEST_REDIS_URL")
# Every Redis key of this run starts with it (Settings.redis_prefix).
REDIS_PREFIX = redis_prefix()


def pytest_configure(config: pytest.Config) -> None:
    global POSTGRES_URL
    if POSTGRES_BASE_URL:
        POSTGRES_URL = create_database(POSTGRES_BASE_URL)
        # Processes the tests start (workers, CLI) find the run's database too.
        os.environ["HEARD_TEST_POSTGRES_URL"] = POSTGRES_URL


# The tiers (docs/testing.md): everything not marked runs in process, no sockets.
# Marks by place, so a new test in one of these files is in the right tier at once.
_TIERS: dict[str, tuple[str, ...]] = {
    "tests/web/test_browser.py": ("browser", "http"),
    "tests/web/": ("http",),
    "tests/telegram/test_over_http.py": ("http",),
    "tests/telegram/test_modes.py": ("http",),
    "tests/test_bot_api_fake.py": ("http",),
    "tests/outbox/test_bot_api_faults.py": ("http",),
    "tests/test_cli.py": ("processes",),
}
_PROCESS_TESTS = ("test_sigkill", "test_two_senders")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = Path(str(config.rootpath))
    for item in items:
        where = Path(str(item.path)).relative_to(root).as_posix()
        for place, marks in _TIERS.items():
            if where == place or (place.endswith("/") and where.startswith(place)):
                for mark in marks:
                    item.add_marker(mark)
                break
        if item.name.startswith(_PROCESS_TESTS):
            item.add_marker("processes")


def pytest_unconfigure(config: pytest.Config) -> None:
    if POSTGRES_BASE_URL and POSTGRES_URL != POSTGRES_BASE_URL:
        drop_database(POSTGRES_URL, POSTGRES_BASE_URL)
        os.environ["HEARD_TEST_POSTGRES_URL"] = POSTGRES_BASE_URL
    if REDIS_URL:
        clear_redis_prefix(REDIS_URL, REDIS_PREFIX)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/heard.db",
        master_key_file=tmp_path / "master.key",
        bot_token=None,
        public_url="http://127.0.0.1:8080",
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
async def runtime(settings: Settings, clock: FrozenClock) -> AsyncIterator[Runtime]:
    rt = await Runtime.open(settings, clock=clock)
    yield rt
    await rt.close()


@pytest.fixture
async def cast(runtime: Runtime) -> Cast:
    """A service with one keyworker (Alex) and one young person (Sam)."""
    return await make_cast(runtime)


async def _reset_postgres(url: str) -> None:
    """Empty this run's own database (never a shared one) before a test uses it."""
    from sqlalchemy import text

    from testkit.databases import is_run_database

    if not is_run_database(url):
        raise AssertionError(f"refusing to empty {url}: not this run's own database")

    from storage.db import create_engine

    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


def _postgres_param() -> list[object]:
    reason = "HEARD_TEST_POSTGRES_URL is not set (CI sets it to the local PostgreSQL)"
    return [
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres",
                     marks=[pytest.mark.postgres, pytest.mark.skipif(not POSTGRES_URL, reason=reason)]),
    ]


@pytest.fixture(params=_postgres_param())
async def any_runtime(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FrozenClock
) -> AsyncIterator[Runtime]:
    """A runtime on SQLite, and again on PostgreSQL when one is configured."""
    url = f"sqlite+aiosqlite:///{tmp_path}/heard.db"
    if request.param == "postgres":
        assert POSTGRES_URL
        await _reset_postgres(POSTGRES_URL)
        url = POSTGRES_URL
    settings = Settings(
        database_url=url, master_key_file=tmp_path / "master.key", _env_file=None  # type: ignore[call-arg]
    )
    rt = await Runtime.open(settings, clock=clock)
    yield rt
    await rt.close()
