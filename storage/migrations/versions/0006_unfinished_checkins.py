"""Unfinished check-ins: a silence window per service, the mark on the record, and
the due time on the open flow state the scheduler looks for

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, never a batch copy: on SQLite a batch rebuild of "services"
# would fire ON DELETE CASCADE on every staff member and young person.


def upgrade() -> None:
    op.add_column("services", sa.Column("unfinished_checkin_minutes", sa.Integer(),
                                        nullable=False, server_default="30"))
    op.add_column("checkins", sa.Column("unfinished", sa.Boolean(), nullable=False,
                                        server_default=sa.false()))
    op.add_column("flow_states", sa.Column("unfinished_due_at", sa.DateTime(timezone=True),
                                           nullable=True))
    op.create_index(op.f("ix_flow_states_unfinished_due_at"), "flow_states",
                    ["unfinished_due_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_flow_states_unfinished_due_at"), table_name="flow_states")
    op.drop_column("flow_states", "unfinished_due_at")
    op.drop_column("checkins", "unfinished")
    op.drop_column("services", "unfinished_checkin_minutes")
