"""Shared fixtures: a fresh data directory per test, a migrated database (SQLite, or
PostgreSQL when HEARD_TEST_POSTGRES_URL is set for the storage tests), a frozen clock."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from core.clock import FrozenClock
from core.config import Settings
from domain import admin, pins, staff_auth
from domain.runtime import Runtime
from testkit.databases import clear_redis_prefix, create_database, drop_database, redis_prefix
from tests.support.people import Cast, make_cast
from tests.support.templates import Templates

# HEARD_TEST_POSTGRES_URL names a server and a database to start from; each run
# works in a database of its own made beside it (see pytest_configure), so two runs
# on one machine never clobber each other. POSTGRES_URL is that run's database.
POSTGRES_BASE_URL = os.environ.get("HEARD_TEST_POSTGRES_URL")
POSTGRES_URL = POSTGRES_BASE_URL
REDIS_URL = os.environ.get("HEARD_TEST_REDIS_URL")
# Every Redis key of this run starts with it (Settings.redis_prefix).
REDIS_PREFIX = redis_prefix()


def _runs_tests(config: pytest.Config) -> bool:
    """False for pytest-xdist's controller, which only hands tests to its workers: each
    worker is a run of its own, with its own database and Redis prefix."""
    return hasattr(config, "workerinput") or getattr(config.option, "dist", "no") == "no"


def pytest_configure(config: pytest.Config) -> None:
    global POSTGRES_URL
    if POSTGRES_BASE_URL and _runs_tests(config):
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
        if "browser" in getattr(item, "fixturenames", ()):  # Chromium, wherever the test is
            item.add_marker("browser")
    # The slow tiers first: with the tests shared among workers (pytest-xdist), a
    # long browser or process test handed out last would leave the others idle.
    items.sort(key=lambda item: not any(item.get_closest_marker(m)
                                        for m in ("browser", "processes")))


def pytest_unconfigure(config: pytest.Config) -> None:
    if POSTGRES_BASE_URL and POSTGRES_URL != POSTGRES_BASE_URL:
        drop_database(POSTGRES_URL, POSTGRES_BASE_URL)
        os.environ["HEARD_TEST_POSTGRES_URL"] = POSTGRES_BASE_URL
    if REDIS_URL:
        clear_redis_prefix(REDIS_URL, REDIS_PREFIX)


# argon2id as Heard configures it costs about 0.2 s of CPU a hash, and set-up alone
# hashes hundreds of staff passwords and PINs. In process, tests hash with the same
# argon2id at its smallest cost; the hashing code is unchanged (verify, rehash when
# weak). Tests marked ``argon2_cost`` keep the production cost: they test it.
CHEAP_ARGON2 = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(autouse=True)
def _argon2_cost(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("argon2_cost") is None:
        for module in (admin, staff_auth, pins):
            monkeypatch.setattr(module, "_hasher", CHEAP_ARGON2)


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


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Templates:
    """Migrated databases (with and without the cast), made once per test process."""
    return Templates(tmp_path_factory.mktemp("templates"))


_LAID_CAST = pytest.StashKey[Cast]()


@pytest.fixture
async def runtime(
    request: pytest.FixtureRequest, settings: Settings, clock: FrozenClock, templates: Templates
) -> AsyncIterator[Runtime]:
    laid = await templates.lay(settings, clock, with_cast="cast" in request.fixturenames)
    if laid is not None:
        request.node.stash[_LAID_CAST] = laid
    rt = await Runtime.open(settings, clock=clock)
    yield rt
    await rt.close()


@pytest.fixture
async def cast(request: pytest.FixtureRequest, runtime: Runtime) -> Cast:
    """A service with one keyworker (Alex) and one young person (Sam): made in the
    database copied for this test (see tests/support/templates.py), or else here."""
    laid = request.node.stash.get(_LAID_CAST, None)
    return laid if laid is not None else await make_cast(runtime)


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
    request: pytest.FixtureRequest, tmp_path: Path, clock: FrozenClock, templates: Templates
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
    await templates.lay(settings, clock, with_cast=False)  # SQLite: the schema, copied
    rt = await Runtime.open(settings, clock=clock)
    yield rt
    await rt.close()
