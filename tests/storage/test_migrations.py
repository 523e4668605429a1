"""The safeguarding migration goes up, down and up again, and matches the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.runtime import Runtime
from storage.models import Base


def _diff(connection) -> list:  # type: ignore[no-untyped-def]
    return compare_metadata(MigrationContext.configure(connection), Base.metadata)


async def test_0002_round_trip_and_matches_models(any_runtime: Runtime) -> None:
    db = any_runtime.db
    assert await db.current_revision() == "0002"
    async with db.engine.connect() as conn:
        assert await conn.run_sync(_diff) == []
    await db.downgrade("0001")
    assert await db.current_revision() == "0001"
    await db.migrate()
    assert await db.current_revision() == "0002"
