"""The schema is built by migrations: empty database to head and back down, on SQLite
and (when configured) PostgreSQL; and every migration step can be walked one by one."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from storage.db import MIGRATIONS_DIR, Database
from tests.conftest import POSTGRES_URL, _reset_postgres



def _script() -> ScriptDirectory:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(cfg)


REVISIONS = [rev.revision for rev in reversed(list(_script().walk_revisions()))]


async def _tables(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def empty_db(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    if request.param == "postgres":
        if not POSTGRES_URL:
            pytest.skip("HEARD_TEST_POSTGRES_URL is not set (CI sets it to the local PostgreSQL)")
        await _reset_postgres(POSTGRES_URL)
        db = Database.from_url(POSTGRES_URL)
    else:
        db = Database.from_url(f"sqlite+aiosqlite:///{tmp_path}/m.db")
    yield db
    await db.close()


def test_one_linear_history() -> None:
    assert len(_script().get_heads()) == 1, "migrations must form one line (one head)"
    assert REVISIONS[0] == "0001"


async def test_upgrade_to_head_and_back_down(empty_db: Database) -> None:
    await empty_db.migrate()
    assert await empty_db.current_revision() == REVISIONS[-1]
    assert {"checkins", "young_people", "outbox", "kpi_counts"} <= await _tables(empty_db)
    await empty_db.downgrade("base")
    assert await empty_db.current_revision() is None
    assert await _tables(empty_db) <= {"alembic_version"}


async def test_stairway_each_step_up_and_down(empty_db: Database) -> None:
    previous = "base"
    for revision in REVISIONS:
        await empty_db.migrate(revision)
        await empty_db.downgrade(previous)
        await empty_db.migrate(revision)
        previous = revision
    assert await empty_db.current_revision() == REVISIONS[-1]


def _diff(connection) -> list:  # type: ignore[no-untyped-def]
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from storage.models import Base

    return compare_metadata(MigrationContext.configure(connection), Base.metadata)


async def test_migrated_schema_matches_the_models(empty_db: Database) -> None:
    await empty_db.migrate()
    async with empty_db.engine.connect() as conn:
        assert await conn.run_sync(_diff) == []
