"""SQLite on the event loop's own thread.

aiosqlite runs every call (open a cursor, execute, fetch, close, commit) on a thread
of its own and hands each back through the event loop: four or five thread round
trips per statement, which cost a Telegram update more CPU than everything else it
does. SQLite itself answers Heard's statements in microseconds, and only one
transaction of this process writes at a time anyway (``Database._writer_turn``), so
here each call simply runs where it is awaited.

The one case that could stall the loop is another process holding SQLite's write
lock (``run.py admin`` in a second terminal, a backup). Calls therefore run with
SQLite's busy timeout at zero: a "database is locked" comes back at once, and only
that call is run again on a worker thread with the usual patience, so the loop keeps
serving everyone else while it waits. Running it again is safe: SQLite refuses a
statement or commit that is busy before it changes anything.

The SQLAlchemy dialect is still aiosqlite's (``sqlite+aiosqlite://`` URLs); only the
connection underneath is this one (``async_creator``).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import aiosqlite

# How long a call waits for another process's write lock once it has been moved to a
# worker thread (SQLite's own busy handler backs off and retries meanwhile).
PATIENCE_MS = 10_000
_T = TypeVar("_T")


def is_busy(error: BaseException) -> bool:
    return isinstance(error, sqlite3.OperationalError) and (
        "database is locked" in str(error) or "database is busy" in str(error))


class _RunNow:
    """Stands in for aiosqlite's queue to its thread: runs each call as it is put."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as error:  # noqa: BLE001 - handed to the awaiting caller
            if future is not None and not future.done():
                future.set_exception(error)
            return
        if future is not None and not future.done():
            future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection whose calls run on the caller's thread."""

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _RunNow()  # type: ignore[assignment]
        # A call waiting on a worker thread for another process's lock. While it runs,
        # nothing else may touch the connection: closing it under the thread would
        # crash the process.
        self._pending: asyncio.Future[Any] | None = None

    def __await__(self) -> Any:
        # No worker thread to start: connect here and now.
        return self._connect().__await__()

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        await self._settled()
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        try:
            return fn(*args, **kwargs)
        except sqlite3.OperationalError as error:
            if not is_busy(error):
                raise
        return await self.in_thread(lambda _conn: fn(*args, **kwargs))

    async def in_thread(self, call: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run ``call`` on a worker thread, waiting for another process's lock as long
        as ``PATIENCE_MS`` (a checkpoint that must wait for readers, a retried call)."""
        await self._settled()
        pending = asyncio.get_running_loop().run_in_executor(
            None, self._patiently, partial(call, self._conn))
        self._pending = pending
        try:
            return await asyncio.shield(pending)
        except asyncio.CancelledError:
            # Given up on, but the thread still holds the connection: let it finish
            # before whoever cancelled us rolls back or closes it.
            await asyncio.wait({pending})
            raise
        finally:
            if self._pending is pending:
                self._pending = None

    async def _settled(self) -> None:
        if self._pending is not None and not self._pending.done():
            await asyncio.wait({self._pending})

    def _patiently(self, call: Callable[[], _T]) -> _T:
        conn = self._conn
        conn.execute(f"PRAGMA busy_timeout={PATIENCE_MS}")
        try:
            return call()
        finally:
            conn.execute("PRAGMA busy_timeout=0")

    def stop(self) -> asyncio.Future[Any] | None:
        pending = self._pending
        if pending is not None and not pending.done():
            # Closed (a pool being disposed, a connection collected) while a worker
            # thread still uses it: close it once that call is over.
            self._running = False
            pending.add_done_callback(lambda _done: aiosqlite.Connection.stop(self))
            return None
        return super().stop()


def inline_connector(database: str, **kwargs: Any) -> Callable[[], Any]:
    """``async_creator`` for SQLAlchemy: a new inline connection to ``database``."""
    # A call that waited for a lock ran on a worker thread: the connection is shared.
    kwargs["check_same_thread"] = False

    async def create() -> InlineConnection:
        return await InlineConnection(partial(sqlite3.connect, database, **kwargs))

    return create
