"""KPI answers become counts, so no per-answer row (or its order) can be linked back

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kpi_counts",
        sa.Column("service_id", sa.String(length=32), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("question", sa.String(length=40), nullable=False),
        sa.Column("answer", sa.String(length=40), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"],
                                name=op.f("fk_kpi_counts_service_id_services"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("service_id", "month", "question", "answer",
                                name=op.f("pk_kpi_counts")),
    )
    op.execute(
        "INSERT INTO kpi_counts (service_id, month, question, answer, count) "
        "SELECT service_id, month, question, answer, COUNT(*) FROM kpi_answers "
        "GROUP BY service_id, month, question, answer"
    )
    with op.batch_alter_table("kpi_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_kpi_service_month")
    op.drop_table("kpi_answers")


def downgrade() -> None:
    kpi_answers = op.create_table(
        "kpi_answers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("service_id", sa.String(length=32), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("question", sa.String(length=40), nullable=False),
        sa.Column("answer", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"],
                                name=op.f("fk_kpi_answers_service_id_services"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_answers")),
    )
    with op.batch_alter_table("kpi_answers", schema=None) as batch_op:
        batch_op.create_index("ix_kpi_service_month", ["service_id", "month"], unique=False)
    rows = op.get_bind().execute(
        sa.text("SELECT service_id, month, question, answer, count FROM kpi_counts")
    ).all()
    op.bulk_insert(kpi_answers, [
        {"id": uuid.uuid4().hex, "service_id": s, "month": m, "question": q, "answer": a}
        for s, m, q, a, n in rows for _ in range(n)
    ])
    op.drop_table("kpi_counts")
