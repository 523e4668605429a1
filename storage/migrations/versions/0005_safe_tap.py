"""Unfinished check-ins: a silence window per service, the mark on the record, and
the due time on the open flow state the scheduler looks for

Revision ID: 0005_safe_tap
Revises: 0004
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_safe_tap"
down_revision = "0005_alert_routes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unfinished_checkin_minutes", sa.Integer(), nullable=False,
                                      server_default="30"))
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unfinished", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table("flow_states", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unfinished_due_at", sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.create_index(batch_op.f("ix_flow_states_unfinished_due_at"),
                              ["unfinished_due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("flow_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_flow_states_unfinished_due_at"))
        batch_op.drop_column("unfinished_due_at")
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.drop_column("unfinished")
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.drop_column("unfinished_checkin_minutes")
