"""My Heard: "you said, we did", review preparation, goals

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04

- ``changes``: what changed because of a young person's check-in (sealed with their key).
- ``unit_notes``: a lead's unit-wide "you said, we did" notes, naming no one.
- ``review_preps``: what a young person wants their review to know (sealed), and
  whether they shared it.
- ``goals`` and ``goal_ratings``: goals agreed with their keyworker, rated 0 to 10
  (both sealed).
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _id(name: str = "id", nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(length=32), nullable=nullable)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"],
                                   name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete)


def upgrade() -> None:
    op.create_table(
        "changes",
        _id(), _id("young_person_id"), _id("checkin_id", True), _id("staff_id", True),
        _when("created_at"), sa.Column("body_ct", sa.LargeBinary(), nullable=False),
        _when("shown_at", True),
        _fk("changes", "young_person_id", "young_people", "CASCADE"),
        _fk("changes", "checkin_id", "checkins", "SET NULL"),
        _fk("changes", "staff_id", "staff", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_changes")),
    )
    op.create_index("ix_changes_person_time", "changes", ["young_person_id", "created_at"])
    op.create_table(
        "unit_notes",
        _id(), _id("service_id"), sa.Column("unit", sa.String(length=100), nullable=True),
        _id("staff_id", True), _when("created_at"), sa.Column("body", sa.Text(), nullable=False),
        _when("removed_at", True),
        _fk("unit_notes", "service_id", "services", "CASCADE"),
        _fk("unit_notes", "staff_id", "staff", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_notes")),
    )
    op.create_index(op.f("ix_unit_notes_service_id"), "unit_notes", ["service_id"])
    op.create_table(
        "review_preps",
        _id(), _id("young_person_id"), _when("created_at"), _when("updated_at"),
        sa.Column("payload_ct", sa.LargeBinary(), nullable=False), _when("shared_at", True),
        _fk("review_preps", "young_person_id", "young_people", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_preps")),
    )
    op.create_index(op.f("ix_review_preps_young_person_id"), "review_preps", ["young_person_id"])
    op.create_table(
        "goals",
        _id(), _id("young_person_id"), _when("created_at"), _id("created_by", True),
        sa.Column("text_ct", sa.LargeBinary(), nullable=False), _when("ended_at", True),
        _fk("goals", "young_person_id", "young_people", "CASCADE"),
        _fk("goals", "created_by", "staff", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goals")),
    )
    op.create_index(op.f("ix_goals_young_person_id"), "goals", ["young_person_id"])
    op.create_table(
        "goal_ratings",
        _id(), _id("goal_id"), _id("young_person_id"),
        sa.Column("channel", sa.String(length=20), nullable=False), _when("created_at"),
        sa.Column("payload_ct", sa.LargeBinary(), nullable=False),
        _fk("goal_ratings", "goal_id", "goals", "CASCADE"),
        _fk("goal_ratings", "young_person_id", "young_people", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goal_ratings")),
    )
    op.create_index("ix_goal_ratings_goal_time", "goal_ratings", ["goal_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_goal_ratings_goal_time", table_name="goal_ratings")
    op.drop_table("goal_ratings")
    op.drop_index(op.f("ix_goals_young_person_id"), table_name="goals")
    op.drop_table("goals")
    op.drop_index(op.f("ix_review_preps_young_person_id"), table_name="review_preps")
    op.drop_table("review_preps")
    op.drop_index(op.f("ix_unit_notes_service_id"), table_name="unit_notes")
    op.drop_table("unit_notes")
    op.drop_index("ix_changes_person_time", table_name="changes")
    op.drop_table("changes")
