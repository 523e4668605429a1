"""the staff desk: staff sign-in (password change, lock-out, TOTP), staff sessions,
sign-in throttling by source address, and keyworkers' replies

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE, never a batch copy of "staff" (see 0007_handover_and_audit: a copy
    # on SQLite clears every young person's keyworker). must_change_password comes
    # from 0007_handover_and_audit.
    for column in (
        sa.Column("failed_sign_ins", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_failed_sign_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("totp_secret_ct", sa.LargeBinary(), nullable=True),
        sa.Column("totp_confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("totp_last_step", sa.BigInteger(), nullable=True),
        sa.Column("last_desk_sign_in_at", sa.DateTime(timezone=True), nullable=True),
    ):
        op.add_column("staff", column)
    # Accounts made before the desk existed still hold the printed first password.
    op.execute("UPDATE staff SET must_change_password = true")

    op.create_table(
        "staff_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.String(length=32), nullable=True),
        sa.Column("second_factor", sa.Boolean(), nullable=False),
        sa.Column("next_path", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"],
                                name=op.f("fk_staff_sessions_staff_id_staff"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_staff_sessions")),
    )
    with op.batch_alter_table("staff_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_sessions_expires_at"), ["expires_at"])
        batch_op.create_index(batch_op.f("ix_staff_sessions_staff_id"), ["staff_id"])

    op.create_table(
        "sign_in_throttle",
        sa.Column("source_hash", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source_hash", name=op.f("pk_sign_in_throttle")),
    )

    op.create_table(
        "staff_replies",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("young_person_id", sa.String(length=32), nullable=False),
        sa.Column("checkin_id", sa.String(length=32), nullable=True),
        sa.Column("staff_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body_ct", sa.LargeBinary(), nullable=False),
        sa.Column("shown_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["checkin_id"], ["checkins.id"],
                                name=op.f("fk_staff_replies_checkin_id_checkins"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"],
                                name=op.f("fk_staff_replies_staff_id_staff"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["young_person_id"], ["young_people.id"],
                                name=op.f("fk_staff_replies_young_person_id_young_people"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_replies")),
    )
    op.create_index("ix_staff_replies_person_time", "staff_replies",
                    ["young_person_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_staff_replies_person_time", table_name="staff_replies")
    op.drop_table("staff_replies")
    op.drop_table("sign_in_throttle")
    with op.batch_alter_table("staff_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_sessions_staff_id"))
        batch_op.drop_index(batch_op.f("ix_staff_sessions_expires_at"))
    op.drop_table("staff_sessions")
    for column in ("last_desk_sign_in_at", "totp_last_step", "totp_confirmed_at",
                   "totp_secret_ct", "locked_until", "last_failed_sign_in_at",
                   "failed_sign_ins"):
        op.drop_column("staff", column)
