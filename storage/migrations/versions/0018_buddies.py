"""Buddies for the first week at a new placement

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04

- ``buddy_consents``: whether a young person would like to be a buddy (asked / yes / no).
- ``buddy_matches``: the buddy chosen for a young person moving in, for one planned
  move, and when the relay between them closes (sealed hello from the buddy).
- ``buddy_messages``: relayed messages, each sealed with its sender's key.

New tables only: nothing existing is rebuilt.
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "buddy_consents",
        sa.Column("young_person_id", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        _when("asked_at", True),
        sa.Column("asked_by", sa.String(length=32), nullable=True),
        _when("answered_at", True),
        _fk("buddy_consents", "young_person_id", "young_people", "CASCADE"),
        _fk("buddy_consents", "asked_by", "staff", "SET NULL"),
        sa.PrimaryKeyConstraint("young_person_id", name=op.f("pk_buddy_consents")),
    )

    op.create_table(
        "buddy_matches",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("move_id", sa.String(length=32), nullable=False),
        sa.Column("placement_id", sa.String(length=32), nullable=False),
        sa.Column("arrival_id", sa.String(length=32), nullable=False),
        sa.Column("buddy_id", sa.String(length=32), nullable=False),
        sa.Column("chosen_by", sa.String(length=32), nullable=True),
        _when("chosen_at"),
        sa.Column("hello_ct", sa.LargeBinary(), nullable=True),
        _when("closes_at"),
        _when("closed_at", True),
        sa.Column("closed_reason", sa.String(length=20), nullable=True),
        _fk("buddy_matches", "move_id", "placement_moves", "CASCADE"),
        _fk("buddy_matches", "placement_id", "placements", "CASCADE"),
        _fk("buddy_matches", "arrival_id", "young_people", "CASCADE"),
        _fk("buddy_matches", "buddy_id", "young_people", "CASCADE"),
        _fk("buddy_matches", "chosen_by", "staff", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buddy_matches")),
    )
    for column in ("move_id", "placement_id", "arrival_id", "buddy_id"):
        op.create_index(op.f(f"ix_buddy_matches_{column}"), "buddy_matches", [column])
    op.create_index("ix_buddy_matches_open", "buddy_matches", ["closed_at", "closes_at"])

    op.create_table(
        "buddy_messages",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("match_id", sa.String(length=32), nullable=False),
        sa.Column("sender_id", sa.String(length=32), nullable=False),
        _when("sent_at"),
        sa.Column("text_ct", sa.LargeBinary(), nullable=False),
        sa.Column("relayed", sa.Boolean(), nullable=False),
        _fk("buddy_messages", "match_id", "buddy_matches", "CASCADE"),
        _fk("buddy_messages", "sender_id", "young_people", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buddy_messages")),
    )
    op.create_index(op.f("ix_buddy_messages_match_id"), "buddy_messages", ["match_id"])
    op.create_index(op.f("ix_buddy_messages_sender_id"), "buddy_messages", ["sender_id"])


def downgrade() -> None:
    op.drop_table("buddy_messages")
    op.drop_table("buddy_matches")
    op.drop_table("buddy_consents")
