"""The database: engine, one transaction per unit of work, and migrations on start.

``Database.transaction()`` is the one place Heard commits. Bot updates, web requests,
CLI commands and the outbox sender each open one; repositories only add and query.
What must happen after a commit (waking the outbox sender) is announced by the code
that makes it necessary (:func:`announce`) and run here, once, after the commit —
whichever channel or job the unit of work belongs to.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import stat
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, cast

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection, CursorResult, Result, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from storage.faults import FaultWatch, describe, is_connection_lost, is_database_fault
from storage.crypto.keyring import make_private_dir
from storage.sqlite_inline import InlineConnection, inline_connector

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any constant will do: it only has to be the same in every Heard process.
_PG_MIGRATION_LOCK = 7_405_118
_PG_KEY_ROTATION_LOCK = 7_405_119
# How often wiping a deleted key is tried before the operator is asked to run again.
_SCRUB_TRIES = 8
_KEPT_DEAD = re.compile(r"(\d+) dead row versions cannot be removed yet")


class ScrubError(Exception):
    """A deleted key could not yet be wiped from the database files (they were busy)."""


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # Zero: a statement that meets another process's write lock is handed to a thread
    # that waits for it (storage/sqlite_inline.py), instead of stalling the event loop.
    cur.execute("PRAGMA busy_timeout=0")
    # WAL lets the web app read while the bot writes; NORMAL is durable across a
    # process crash in WAL mode (only an OS crash can lose the last commits).
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    # Deleted rows are overwritten with zeros, not just unlinked: an erased young
    # person's wrapped key must not linger in free space of a page.
    cur.execute("PRAGMA secure_delete=ON")
    cur.close()


def _prepare_sqlite_file(db_path: Path) -> None:
    """A new database starts as an empty file only this user can read, in a private
    directory; SQLite gives its -wal and -shm files the same permissions."""

    make_private_dir(db_path.parent)
    try:
        fd = os.open(db_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = stat.S_IMODE(db_path.stat().st_mode)
        if mode & 0o077:
            log.warning("the database file %s can be read by other users (mode %04o): "
                        "make it private with chmod 600", db_path, mode)
        return
    os.close(fd)
    os.chmod(db_path, 0o600)


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        db_path = parsed.database
        if db_path and db_path != ":memory:":
            _prepare_sqlite_file(Path(db_path))
        cargs, ckwargs = make_url(url).get_dialect()().create_connect_args(parsed)
        kwargs.setdefault("async_creator", inline_connector(*cargs, **ckwargs))
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def _alembic_config(connection: Connection) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def _upgrade(connection: Connection, revision: str) -> None:
    from alembic import command

    if connection.dialect.name == "postgresql":
        # Several workers may start at once; only one migrates, the rest wait.
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
    command.upgrade(_alembic_config(connection), revision)


def _downgrade(connection: Connection, revision: str) -> None:
    from alembic import command

    command.downgrade(_alembic_config(connection), revision)


def _current(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


class _UnitSession(Session):
    """A session that notes whether its unit of work changed anything, so that only
    a commit that really wrote ends a "cannot write" fault (storage/faults.py)."""


@event.listens_for(_UnitSession, "after_flush")
def _flushed(session: Session, _flush: UOWTransaction) -> None:
    session.info["wrote"] = True


@event.listens_for(_UnitSession, "do_orm_execute")
def _executed(state: ORMExecuteState) -> Any:
    if state.is_select:
        return None
    result = state.invoke_statement()
    if getattr(result, "rowcount", 0):
        state.session.info["wrote"] = True
    return result


_ANNOUNCED = "heard_announced"


def rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE, DELETE or INSERT changed (its result is a cursor's)."""
    return cast("CursorResult[Any]", result).rowcount or 0


def dialect_of(session: AsyncSession) -> str:
    """"sqlite" or "postgresql": the database this unit of work talks to."""
    bind = session.bind
    assert bind is not None, "a unit of work's session is always bound"
    return bind.dialect.name


async def insert_once(session: AsyncSession, row: object) -> bool:
    """Store a row a unique index may refuse because another worker's transaction
    stored its twin first: True when stored, False when refused (this unit of work
    carries on). On PostgreSQL a savepoint contains the refusal. SQLite needs none:
    this process writes one transaction at a time, and a savepoint before the first
    write would end up committing on its own there."""
    if dialect_of(session) != "postgresql":
        session.add(row)
        await session.flush()
        return True
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


def announce(session: AsyncSession, topic: str) -> None:
    """Tell ``topic``'s listeners once this unit of work has committed (never if it
    rolls back). E.g. ``outbox``: a message was queued, wake the sender now."""
    session.info.setdefault(_ANNOUNCED, set()).add(topic)


class Database:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False,
                                           sync_session_class=_UnitSession)
        # Faults are told once per episode, and /healthz reports an open one.
        self.faults = FaultWatch()
        # SQLite has one writer at a time; when two transactions of this process
        # collide, SQLite's busy handler backs off by sleeping (1 ms, 2 ms, 5 ms…).
        # Queueing our own units of work on an asyncio lock is fairer and far faster.
        # (The embedded default is one process; PostgreSQL needs no such thing.)
        self._writer = asyncio.Lock() if engine.dialect.name == "sqlite" else None
        self._writer_task: asyncio.Task[object] | None = None
        self._listeners: defaultdict[str, list[Callable[[], None]]] = defaultdict(list)

    # Channels sort a failed unit of work with these (they never import storage).
    @staticmethod
    def lost_connection(error: BaseException) -> bool:
        """The connection dropped before anything committed: safe to run again."""
        return is_connection_lost(error)

    @staticmethod
    def is_fault(error: BaseException) -> bool:
        """The database failed (not the code): told once per episode by its watch."""
        return is_database_fault(error)

    def on_commit(self, topic: str, listener: Callable[[], None]) -> None:
        """Call ``listener`` after every unit of work that announced ``topic`` commits."""
        self._listeners[topic].append(listener)

    def off_commit(self, topic: str, listener: Callable[[], None]) -> None:
        with contextlib.suppress(ValueError):
            self._listeners[topic].remove(listener)

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Database:
        return cls(create_engine(url, **kwargs))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.asynccontextmanager
    async def _writer_turn(self) -> AsyncIterator[None]:
        """This task's turn to write. Re-entrant within a task, so a transaction opened
        inside another (a read alongside) does not wait for itself."""
        task = asyncio.current_task()
        if self._writer is None or self._writer_task is task:
            yield
            return
        async with self._writer:
            self._writer_task = task
            try:
                yield
            finally:
                self._writer_task = None

    @contextlib.asynccontextmanager
    async def transaction(self, *, read_only: bool = False) -> AsyncIterator[AsyncSession]:
        """One unit of work: commit if the block finishes, roll back if it raises.

        ``read_only`` units (a page view) do not queue behind writers: SQLite's WAL
        lets them read while another transaction writes.
        """
        info: dict[Any, Any] = {}
        try:
            async with contextlib.AsyncExitStack() as stack:
                if not read_only:
                    await stack.enter_async_context(self._writer_turn())
                session = await stack.enter_async_context(self.sessions())
                info = session.info
                await stack.enter_async_context(session.begin())
                yield session
        except Exception as error:
            if is_database_fault(error):
                self.faults.failed(error)
            raise
        if info.get("wrote"):  # committed, and it changed something
            self.faults.wrote()
        for topic in info.get(_ANNOUNCED, ()):
            for listener in self._listeners.get(topic, ()):
                listener()

    async def migrate(self, revision: str = "head") -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(_upgrade, revision)

    async def downgrade(self, revision: str) -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(_downgrade, revision)

    async def current_revision(self) -> str | None:
        async with self.engine.connect() as conn:
            return await conn.run_sync(_current)

    async def holds_encrypted_data(self) -> bool:
        """True when this database already has data locked by some master key."""
        async with self.engine.connect() as conn:
            if not await conn.run_sync(lambda c: inspect(c).has_table("kek_checks")):
                return False
            for table in ("kek_checks", "data_keys"):
                if await conn.scalar(text(f"SELECT 1 FROM {table} LIMIT 1")):
                    return True
        return False

    async def scrub_deleted_keys(self) -> None:
        """Wipe deleted data keys from the database files, after the delete committed.

        SQLite: deleted cells are already zeroed (secure_delete); a checkpoint
        (TRUNCATE) copies the zeroed pages into the main file and empties the WAL,
        which still held the old page. PostgreSQL: a plain VACUUM leaves a dead row's
        bytes in the page's free space, so VACUUM FULL rewrites the (small) key table
        into a new file and drops the old one. The server's own WAL and archive are
        another matter: see docs/backups.md.
        """
        for attempt in range(1, _SCRUB_TRIES + 1):
            try:
                await (self._checkpoint_sqlite() if self.dialect == "sqlite"
                       else self._vacuum_keys_postgres())
                return
            except ScrubError:
                if attempt == _SCRUB_TRIES:
                    raise
                log.warning("wiping deleted keys: database busy, trying again (%d)", attempt)
                await asyncio.sleep(0.1 * attempt)  # whatever holds the old row is short

    async def _checkpoint_sqlite(self) -> None:
        async with self._writer_turn(), self.engine.connect() as conn:
            # On a worker thread, with the busy timeout: the checkpoint waits for readers
            # (a desk page, an event stream) to let go, and it writes and syncs the file,
            # so it must not run on the event loop's thread.
            raw = (await conn.get_raw_connection()).driver_connection
            assert isinstance(raw, InlineConnection)
            busy, _log, _done = await raw.in_thread(
                lambda sqlite: sqlite.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone())
        if busy:
            raise ScrubError("another connection was reading an older copy of the database")

    async def _vacuum_keys_postgres(self) -> None:
        from sqlalchemy.exc import DBAPIError

        async with self.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            driver: Any = (await conn.get_raw_connection()).driver_connection
            notes: list[str] = []

            def listen(_conn: object, message: Any) -> None:
                notes.append(f"{message.message} {getattr(message, 'detail', '') or ''}")

            driver.add_log_listener(listen)
            # VACUUM FULL locks the key table; never queue every request behind it for long.
            await conn.exec_driver_sql("SET lock_timeout = '5s'")
            try:
                await conn.exec_driver_sql("VACUUM (FULL, VERBOSE) data_keys")
            except DBAPIError as exc:
                if "lock timeout" not in str(exc):
                    raise
                raise ScrubError("the key table was busy") from exc
            finally:
                driver.remove_log_listener(listen)
                await conn.exec_driver_sql("RESET lock_timeout")
        # A transaction that began before the delete (autovacuum's ANALYZE, a slow
        # request) still sees the row, and VACUUM must keep it: try again shortly.
        kept = sum(int(n) for note in notes for n in _KEPT_DEAD.findall(note))
        if kept:
            raise ScrubError(f"{kept} deleted row(s) still visible to an older transaction")

    @contextlib.asynccontextmanager
    async def key_rotation_lock(self) -> AsyncIterator[bool]:
        """On PostgreSQL, one key rotation at a time across every machine (the key
        file's own lock covers processes on one machine). Yields False if taken."""
        if self.dialect != "postgresql":
            yield True
            return
        async with self.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            got = await conn.scalar(text("SELECT pg_try_advisory_lock(:k)"),
                                    {"k": _PG_KEY_ROTATION_LOCK})
            try:
                yield bool(got)
            finally:
                if got:
                    await conn.execute(text("SELECT pg_advisory_unlock(:k)"),
                                       {"k": _PG_KEY_ROTATION_LOCK})

    async def ping(self) -> str | None:
        """None when the database answers, else why not (told once per fault episode)."""
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as error:  # noqa: BLE001 - health checks report, they do not raise
            self.faults.failed(error)
            return describe(error)
        self.faults.answered()
        return None

    async def close(self) -> None:
        await self.engine.dispose()
