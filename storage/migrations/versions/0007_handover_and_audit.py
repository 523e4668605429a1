"""Keyworker assignment history, staff account flags, and an append-only audit log

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23

- ``keyworker_assignments``: who key-worked whom, from when to when, and who decided;
  every young person with a keyworker today gets an open row from the day they were
  created (the best start date known).
- ``staff.must_change_password`` (a password someone else chose) and
  ``staff.deactivated_at``.
- Triggers that make ``audit_log`` append-only: UPDATE, DELETE (and TRUNCATE on
  PostgreSQL) raise, whoever asks.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_MESSAGE = "audit_log is append-only: rows cannot be changed or deleted"

_PG_UP = [
    f"""
    CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{_MESSAGE}' USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
]
_PG_DOWN = [
    "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
    "DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log",
    "DROP FUNCTION IF EXISTS audit_log_append_only()",
]
# SQLite has no TRUNCATE; "DELETE FROM audit_log" without WHERE still fires the trigger
# because a trigger on the table turns the truncate optimisation off.
_SQLITE_UP = [
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END",
]
_SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS audit_log_no_delete",
    "DROP TRIGGER IF EXISTS audit_log_no_update",
]


def upgrade() -> None:
    # Plain ALTER TABLE, never a batch copy: on SQLite a batch rebuilds "staff" and
    # dropping the old table would fire ON DELETE SET NULL on every young person's
    # keyworker.
    op.add_column("staff", sa.Column("must_change_password", sa.Boolean(), nullable=False,
                                     server_default=sa.false()))
    op.add_column("staff", sa.Column("deactivated_at", sa.DateTime(timezone=True),
                                     nullable=True))

    op.create_table(
        "keyworker_assignments",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("young_person_id", sa.String(length=32), nullable=False),
        sa.Column("staff_id", sa.String(length=32), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assigned_by_kind", sa.String(length=20), nullable=False),
        sa.Column("assigned_by_id", sa.String(length=32), nullable=True),
        sa.Column("ended_reason", sa.String(length=20), nullable=True),
        sa.Column("note_ct", sa.LargeBinary(), nullable=True),
        sa.Column("hello_ct", sa.LargeBinary(), nullable=True),
        sa.Column("hello_shown_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"],
                                name=op.f("fk_keyworker_assignments_staff_id_staff"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["young_person_id"], ["young_people.id"],
                                name=op.f("fk_keyworker_assignments_young_person_id_young_people"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_keyworker_assignments")),
    )
    op.create_index("ix_keyworker_assignments_person_time", "keyworker_assignments",
                    ["young_person_id", "started_at"], unique=False)
    op.create_index(op.f("ix_keyworker_assignments_staff_id"), "keyworker_assignments",
                    ["staff_id"], unique=False)

    # Today's keyworkers become the first chapter of each history. The backfilled row
    # takes the person's own id as its id: unique (one row each) and known to be free.
    op.execute(
        "INSERT INTO keyworker_assignments (id, young_person_id, staff_id, started_at, "
        "assigned_by_kind) SELECT id, id, keyworker_id, created_at, 'system' "
        "FROM young_people WHERE keyworker_id IS NOT NULL"
    )
    bind = op.get_bind()
    for statement in _PG_UP if bind.dialect.name == "postgresql" else _SQLITE_UP:
        op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    for statement in _PG_DOWN if bind.dialect.name == "postgresql" else _SQLITE_DOWN:
        op.execute(statement)
    op.drop_index(op.f("ix_keyworker_assignments_staff_id"), table_name="keyworker_assignments")
    op.drop_index("ix_keyworker_assignments_person_time", table_name="keyworker_assignments")
    op.drop_table("keyworker_assignments")
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+), not a batch copy of "staff" (see above).
    op.drop_column("staff", "deactivated_at")
    op.drop_column("staff", "must_change_password")
