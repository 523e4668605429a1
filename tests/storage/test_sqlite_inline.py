"""SQLite calls run on the event loop's thread; a write lock held by another process
is waited for off the loop, so everyone else is still served meanwhile."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

from sqlalchemy import text

from storage.db import Database
from storage.sqlite_inline import InlineConnection


async def test_statements_run_on_the_loop_thread(tmp_path: Path) -> None:
    db = Database.from_url(f"sqlite+aiosqlite:///{tmp_path}/h.db")
    try:
        async with db.transaction() as session:
            raw = await (await session.connection()).get_raw_connection()
            assert isinstance(raw.driver_connection, InlineConnection)
            before = threading.active_count()
            assert await session.scalar(text("SELECT 1")) == 1
            assert threading.active_count() == before  # no worker thread was started
    finally:
        await db.close()


async def test_another_process_holding_the_write_lock_does_not_stall_the_loop(
        tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    db = Database.from_url(f"sqlite+aiosqlite:///{path}")
    other = sqlite3.connect(path, check_same_thread=False)
    try:
        async with db.transaction() as session:
            await session.execute(text("CREATE TABLE t (n INTEGER)"))
        other.execute("BEGIN IMMEDIATE")  # as `run.py admin` in another terminal would
        other.execute("INSERT INTO t VALUES (1)")

        async def write() -> None:
            async with db.transaction() as session:
                await session.execute(text("INSERT INTO t VALUES (2)"))

        writing = asyncio.create_task(write())
        ticks = 0
        for _ in range(20):  # the loop keeps turning while the write waits
            await asyncio.sleep(0.01)
            ticks += 1
        async with db.transaction(read_only=True) as session:  # readers are served
            assert await session.scalar(text("SELECT count(*) FROM t")) == 0
        assert not writing.done() and ticks == 20
        other.commit()  # the other process finishes: our write goes through
        await asyncio.wait_for(writing, timeout=10)
        async with db.transaction(read_only=True) as session:
            assert (await session.scalars(text("SELECT n FROM t ORDER BY n"))).all() == [1, 2]
    finally:
        other.close()
        await db.close()


async def test_a_write_given_up_while_waiting_for_the_lock_is_closed_safely(
        tmp_path: Path) -> None:
    """Cancelled while its call waits on a worker thread (shutdown, a timeout): the
    connection is rolled back and closed only once that thread is done with it. (Closing
    it under the thread crashed the whole process.)"""
    path = tmp_path / "h.db"
    db = Database.from_url(f"sqlite+aiosqlite:///{path}")
    other = sqlite3.connect(path, check_same_thread=False)
    try:
        async with db.transaction() as session:
            await session.execute(text("CREATE TABLE t (n INTEGER)"))
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO t VALUES (1)")

        async def write() -> None:
            async with db.transaction() as session:
                await session.execute(text("INSERT INTO t VALUES (2)"))

        writing = asyncio.create_task(write())
        await asyncio.sleep(0.2)
        writing.cancel()
        # The other process lets go a moment later; until then the cancelled write's
        # thread is still waiting on the connection.
        asyncio.get_running_loop().call_later(0.3, other.commit)
        try:
            await asyncio.wait_for(writing, timeout=15)
        except asyncio.CancelledError:
            pass
        await db.close()  # disposes the pool: closes the connection the thread used
        reread = sqlite3.connect(path)
        assert [n for (n,) in reread.execute("SELECT n FROM t")] == [1]  # given up: not written
        reread.close()
    finally:
        other.close()
