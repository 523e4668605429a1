"""safeguarding: urgent alerts, escalation settings, on-call staff, lexicon, reminders

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from alembic import op
import sqlalchemy as sa


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.add_column(sa.Column("escalate_on_call_minutes", sa.Integer(), nullable=False,
                                      server_default="15"))
        batch_op.add_column(sa.Column("escalate_lead_minutes", sa.Integer(), nullable=False,
                                      server_default="30"))
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(sa.Column("on_call", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))

    op.create_table(
        "alerts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("young_person_id", sa.String(length=32), nullable=False),
        sa.Column("service_id", sa.String(length=32), nullable=False),
        sa.Column("checkin_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("certainty", sa.String(length=20), nullable=False),
        sa.Column("detail_ct", sa.LargeBinary(), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("next_step_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("taken_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["young_person_id"], ["young_people.id"],
                                name=op.f("fk_alerts_young_person_id_young_people"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"],
                                name=op.f("fk_alerts_service_id_services"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["checkin_id"], ["checkins.id"],
                                name=op.f("fk_alerts_checkin_id_checkins"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["taken_by"], ["staff.id"],
                                name=op.f("fk_alerts_taken_by_staff"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index("ix_alerts_due", ["status", "next_step_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_young_person_id"), ["young_person_id"],
                              unique=False)

    op.create_table(
        "alert_recipients",
        sa.Column("alert_id", sa.String(length=32), nullable=False),
        sa.Column("staff_id", sa.String(length=32), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("told_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"],
                                name=op.f("fk_alert_recipients_alert_id_alerts"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"],
                                name=op.f("fk_alert_recipients_staff_id_staff"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("alert_id", "staff_id", name=op.f("pk_alert_recipients")),
    )

    op.create_table(
        "lexicon_phrases",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("service_id", sa.String(length=32), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("phrase", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"],
                                name=op.f("fk_lexicon_phrases_service_id_services"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lexicon_phrases")),
    )
    with op.batch_alter_table("lexicon_phrases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lexicon_phrases_service_id"), ["service_id"],
                              unique=False)

    op.create_table(
        "reminders",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("young_person_id", sa.String(length=32), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("local_time", sa.String(length=5), nullable=False),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["young_person_id"], ["young_people.id"],
                                name=op.f("fk_reminders_young_person_id_young_people"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_index("uq_reminders_person_day", ["young_person_id", "weekday"],
                              unique=True)
        batch_op.create_index("ix_reminders_due", ["next_due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_reminders_due")
        batch_op.drop_index("uq_reminders_person_day")
    op.drop_table("reminders")
    with op.batch_alter_table("lexicon_phrases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lexicon_phrases_service_id"))
    op.drop_table("lexicon_phrases")
    op.drop_table("alert_recipients")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_young_person_id"))
        batch_op.drop_index("ix_alerts_due")
    op.drop_table("alerts")
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("on_call")
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.drop_column("escalate_lead_minutes")
        batch_op.drop_column("escalate_on_call_minutes")
