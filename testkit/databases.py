"""A PostgreSQL database and a Redis key prefix of one's own, for one test run or one
benchmark: two runs on one machine (or one server) never see each other's data.

The database is created next to the one ``HEARD_TEST_POSTGRES_URL`` names (CI points
that at ``test``): ``test_run_<pid>_<random>``, dropped again at the end.
"""

from __future__ import annotations

import asyncio
import os
import secrets

from sqlalchemy.engine import make_url


def _admin_dsn(url: str) -> tuple[str, str]:
    """A plain asyncpg DSN for the configured database, and that database's name."""
    parsed = make_url(url)
    name = parsed.database or "postgres"
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False), name


def run_name(base: str) -> str:
    # PostgreSQL names are at most 63 bytes.
    return f"{base[:30]}_run_{os.getpid()}_{secrets.token_hex(4)}"


async def _execute(dsn: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def create_database(url: str) -> str:
    """Create a fresh, empty database beside the one ``url`` names; return its URL."""
    dsn, base = _admin_dsn(url)
    name = run_name(base)
    asyncio.run(_execute(dsn, f'CREATE DATABASE "{name}"'))
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def drop_database(run_url: str, base_url: str) -> None:
    """Drop a database made by ``create_database`` (connections still open are ended)."""
    name = make_url(run_url).database
    if not name or "_run_" not in name:
        raise ValueError(f"refusing to drop {name!r}: not a per-run database")
    dsn, _ = _admin_dsn(base_url)
    asyncio.run(_execute(dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def redis_prefix() -> str:
    return f"heard-test-{os.getpid()}-{secrets.token_hex(4)}:"


def clear_redis_prefix(url: str, prefix: str) -> None:
    """Delete every key this run made (only keys under its own prefix)."""
    from redis import Redis

    client = Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def is_run_database(url: str) -> bool:
    return "_run_" in (make_url(url).database or "")
