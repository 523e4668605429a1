"""A young person's requests about their data, and two service settings for "My data"

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04

- ``data_requests``: "delete my data" asked by a young person, with its state, when it
  is due to be decided, who decided and why (the reason sealed with their key).
- ``services.audit_names_shown``: whether a young person sees the names of staff who
  looked at their data (default: only the role and when).
- ``services.data_protection_email``: who is told of a request (by email, when mail is
  configured).
- ``web_sessions.ended_reason``: a session ended because the young person's data was
  deleted, so their browser can be told so (it names nobody).
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("services", sa.Column("audit_names_shown", sa.Boolean(), nullable=False,
                                        server_default=sa.false()))
    op.add_column("services", sa.Column("data_protection_email", sa.String(length=320),
                                        nullable=True))
    op.add_column("web_sessions", sa.Column("ended_reason", sa.String(length=20),
                                            nullable=True))
    op.create_table(
        "data_requests",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("young_person_id", sa.String(length=32), nullable=False),
        sa.Column("service_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("reason_ct", sa.LargeBinary(), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("told_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["young_person_id"], ["young_people.id"],
                                name=op.f("fk_data_requests_young_person_id_young_people"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"],
                                name=op.f("fk_data_requests_service_id_services"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["decided_by"], ["staff.id"],
                                name=op.f("fk_data_requests_decided_by_staff"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_requests")),
    )
    op.create_index(op.f("ix_data_requests_young_person_id"), "data_requests",
                    ["young_person_id"])
    op.create_index("ix_data_requests_state_due", "data_requests", ["state", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_data_requests_state_due", table_name="data_requests")
    op.drop_index(op.f("ix_data_requests_young_person_id"), table_name="data_requests")
    op.drop_table("data_requests")
    op.drop_column("web_sessions", "ended_reason")
    op.drop_column("services", "data_protection_email")
    op.drop_column("services", "audit_names_shown")
