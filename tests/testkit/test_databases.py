"""Each test run works in a PostgreSQL database of its own, so two runs on one machine
never empty each other's tables."""

from __future__ import annotations

import asyncio
import os

import pytest
from sqlalchemy.engine import make_url

from testkit.databases import create_database, drop_database, is_run_database
from tests.conftest import POSTGRES_BASE_URL, POSTGRES_URL, _reset_postgres

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_BASE_URL, reason="HEARD_TEST_POSTGRES_URL is not set "
                       "(CI sets it to the local PostgreSQL)"),
]


def _exists(url: str) -> bool:
    import asyncpg

    async def look() -> bool:
        base = make_url(str(POSTGRES_BASE_URL)).set(drivername="postgresql")
        conn = await asyncpg.connect(base.render_as_string(hide_password=False))
        try:
            return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1",
                                            make_url(url).database))
        finally:
            await conn.close()

    return asyncio.run(look())


def test_this_run_has_a_database_of_its_own() -> None:
    assert POSTGRES_BASE_URL and POSTGRES_URL != POSTGRES_BASE_URL
    assert is_run_database(POSTGRES_URL) and _exists(POSTGRES_URL)
    # Processes the tests start are pointed at it as well.
    assert os.environ["HEARD_TEST_POSTGRES_URL"] == POSTGRES_URL
    # The configured database itself is never emptied.
    with pytest.raises(AssertionError, match="not this run's own"):
        asyncio.run(_reset_postgres(POSTGRES_BASE_URL))


def test_a_second_run_gets_another_database_and_dropping_it_leaves_ours() -> None:
    assert POSTGRES_BASE_URL
    other = create_database(POSTGRES_BASE_URL)
    try:
        assert other != POSTGRES_URL and _exists(other)
    finally:
        drop_database(other, POSTGRES_BASE_URL)
    assert not _exists(other)
    assert _exists(str(POSTGRES_URL))
    with pytest.raises(ValueError, match="not a per-run database"):
        drop_database(POSTGRES_BASE_URL, POSTGRES_BASE_URL)
