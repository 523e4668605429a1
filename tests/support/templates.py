"""SQLite databases made once per test process and copied for each test.

Migrating a new SQLite file (every Alembic revision) and making the cast (argon2id at
its production cost for the keyworker's password) cost about half a second of CPU per
test, hundreds of times over. A test still gets a database and master key of its own:
a byte-for-byte copy of one made the same way (``Database.migrate``, or
``Runtime.open`` and ``make_cast``) with the same settings and the same frozen time.
Migrations themselves are tested from scratch in tests/storage/test_migrations*.py.
"""

from __future__ import annotations

import copy
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from core.clock import Clock, FrozenClock
from core.config import Settings
from domain import admin
from domain.runtime import Runtime
from storage.db import Database
from tests.support.people import Cast, make_cast

DB_FILE = "heard.db"
KEY_FILE = "master.key"


def sqlite_file(database_url: str) -> Path | None:
    """The file of a plain SQLite URL, or None for any other database."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.query:
        return None
    return Path(url.database)


def _what_matters(settings: Settings) -> str:
    """Every setting except where the files are, and the cost the cast's password is
    hashed at: two tests alike in these get one copy."""
    rest = settings.model_dump(exclude={"database_url", "master_key_file"})
    cost = admin._hasher  # tests/conftest.py may lower it
    return repr((sorted(rest.items()), cost.time_cost, cost.memory_cost, cost.parallelism))


@dataclass
class Templates:
    root: Path
    _made: dict[tuple[bool, datetime, str], tuple[Path, Cast | None]] = field(default_factory=dict)

    async def lay(self, settings: Settings, clock: Clock, *, with_cast: bool) -> Cast | None:
        """Put a migrated database (and, ``with_cast``, the master key and the cast made
        in it) where ``settings`` expects them. Returns the cast; None when nothing was
        laid (not a fresh SQLite file, or not a frozen clock): the test then makes its
        own as before."""
        target = sqlite_file(settings.database_url)
        if (target is None or target.exists() or settings.master_key_file.exists()
                or not isinstance(clock, FrozenClock)):
            return None
        key = (with_cast, clock.now(), _what_matters(settings))
        if key not in self._made:
            self._made[key] = await self._make(settings, clock.now(), with_cast)
        where, cast = self._made[key]
        target.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal"):  # a write-ahead log left behind holds pages too
            if (where / (DB_FILE + suffix)).exists():
                # copy2 keeps the owner-only mode Heard gives its database files.
                shutil.copy2(where / (DB_FILE + suffix), Path(f"{target}{suffix}"))
        if with_cast:
            # copy2 keeps the key file's owner-only mode, which Heard checks.
            settings.master_key_file.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(where / KEY_FILE, settings.master_key_file)
        return copy.deepcopy(cast)

    async def _make(self, settings: Settings, now: datetime,
                    with_cast: bool) -> tuple[Path, Cast | None]:
        where = self.root / f"t{len(self._made)}"
        where.mkdir()
        laid = settings.model_copy(update={
            "database_url": f"sqlite+aiosqlite:///{where / DB_FILE}",
            "master_key_file": where / KEY_FILE})
        if not with_cast:
            # Only the schema: the test's own Runtime.open makes its master key.
            db = Database.from_url(laid.database_url)
            try:
                await db.migrate()
            finally:
                await db.close()
            return where, None
        runtime = await Runtime.open(laid, clock=FrozenClock(now))
        try:
            cast = await make_cast(runtime)
        finally:
            await runtime.close()
        return where, cast
