"""Placements, welcome booklets, and planned moves

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23

- ``placements``: a home within a service (name, kind, short description; no address).
- ``placement_staff``: which placement staff look after which placement.
- ``placement_photos``: cleaned photos (re-encoded JPEG, no metadata), shared by versions.
- ``booklet_versions`` / ``booklet_sections`` / ``booklet_section_photos``: the welcome
  booklet, draft / published / archived, its sections in order, their photos with alt text.
- ``placement_moves``: a young person's planned move (sealed personal note).
- ``placement_questions``: a young person's question and the answer (both sealed).

New tables only: nothing existing is rebuilt.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _id() -> sa.Column:
    return sa.Column("id", sa.String(length=32), nullable=False)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _pk(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*(columns or ("id",)), name=op.f(f"pk_{table}"))


def upgrade() -> None:
    op.create_table(
        "placements",
        _id(),
        sa.Column("service_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        _when("created_at"),
        _when("updated_at"),
        _fk("placements", "service_id", "services", "CASCADE"),
        _pk("placements"),
    )
    op.create_index(op.f("ix_placements_service_id"), "placements", ["service_id"])

    op.create_table(
        "placement_staff",
        sa.Column("placement_id", sa.String(length=32), nullable=False),
        sa.Column("staff_id", sa.String(length=32), nullable=False),
        _fk("placement_staff", "placement_id", "placements", "CASCADE"),
        _fk("placement_staff", "staff_id", "staff", "CASCADE"),
        _pk("placement_staff", "placement_id", "staff_id"),
    )
    op.create_index(op.f("ix_placement_staff_staff_id"), "placement_staff", ["staff_id"])

    op.create_table(
        "placement_photos",
        _id(),
        sa.Column("placement_id", sa.String(length=32), nullable=False),
        sa.Column("jpeg", sa.LargeBinary(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        _when("created_at"),
        sa.Column("created_by", sa.String(length=32), nullable=True),
        _fk("placement_photos", "placement_id", "placements", "CASCADE"),
        _fk("placement_photos", "created_by", "staff", "SET NULL"),
        _pk("placement_photos"),
    )
    op.create_index(op.f("ix_placement_photos_placement_id"), "placement_photos",
                    ["placement_id"])

    op.create_table(
        "booklet_versions",
        _id(),
        sa.Column("placement_id", sa.String(length=32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        _when("created_at"),
        sa.Column("created_by", sa.String(length=32), nullable=True),
        _when("published_at", True),
        sa.Column("published_by", sa.String(length=32), nullable=True),
        sa.Column("restored_from", sa.String(length=32), nullable=True),
        _fk("booklet_versions", "placement_id", "placements", "CASCADE"),
        _fk("booklet_versions", "created_by", "staff", "SET NULL"),
        _fk("booklet_versions", "published_by", "staff", "SET NULL"),
        _pk("booklet_versions"),
    )
    op.create_index("ix_booklet_versions_placement_state", "booklet_versions",
                    ["placement_id", "state"])

    op.create_table(
        "booklet_sections",
        _id(),
        sa.Column("version_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        _fk("booklet_sections", "version_id", "booklet_versions", "CASCADE"),
        _pk("booklet_sections"),
    )
    op.create_index(op.f("ix_booklet_sections_version_id"), "booklet_sections", ["version_id"])

    op.create_table(
        "booklet_section_photos",
        _id(),
        sa.Column("section_id", sa.String(length=32), nullable=False),
        sa.Column("photo_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("alt_text", sa.String(length=300), nullable=False),
        sa.Column("caption", sa.String(length=300), nullable=False),
        _fk("booklet_section_photos", "section_id", "booklet_sections", "CASCADE"),
        _fk("booklet_section_photos", "photo_id", "placement_photos", "CASCADE"),
        _pk("booklet_section_photos"),
    )
    op.create_index(op.f("ix_booklet_section_photos_section_id"), "booklet_section_photos",
                    ["section_id"])

    op.create_table(
        "placement_moves",
        _id(),
        sa.Column("young_person_id", sa.String(length=32), nullable=False),
        sa.Column("placement_id", sa.String(length=32), nullable=False),
        sa.Column("from_keyworker_id", sa.String(length=32), nullable=True),
        sa.Column("to_keyworker_id", sa.String(length=32), nullable=True),
        sa.Column("move_date", sa.Date(), nullable=False),
        sa.Column("note_ct", sa.LargeBinary(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        _when("created_at"),
        _when("moved_at", True),
        _when("cancelled_at", True),
        _fk("placement_moves", "young_person_id", "young_people", "CASCADE"),
        _fk("placement_moves", "placement_id", "placements", "CASCADE"),
        _fk("placement_moves", "from_keyworker_id", "staff", "SET NULL"),
        _fk("placement_moves", "to_keyworker_id", "staff", "SET NULL"),
        _pk("placement_moves"),
    )
    op.create_index(op.f("ix_placement_moves_placement_id"), "placement_moves", ["placement_id"])
    op.create_index("ix_placement_moves_person_state", "placement_moves",
                    ["young_person_id", "state"])
    op.create_index("ix_placement_moves_due", "placement_moves", ["state", "move_date"])

    op.create_table(
        "placement_questions",
        _id(),
        sa.Column("move_id", sa.String(length=32), nullable=False),
        sa.Column("young_person_id", sa.String(length=32), nullable=False),
        sa.Column("placement_id", sa.String(length=32), nullable=False),
        _when("asked_at"),
        sa.Column("question_ct", sa.LargeBinary(), nullable=False),
        _when("answered_at", True),
        sa.Column("answered_by", sa.String(length=32), nullable=True),
        sa.Column("answer_ct", sa.LargeBinary(), nullable=True),
        _fk("placement_questions", "move_id", "placement_moves", "CASCADE"),
        _fk("placement_questions", "young_person_id", "young_people", "CASCADE"),
        _fk("placement_questions", "placement_id", "placements", "CASCADE"),
        _fk("placement_questions", "answered_by", "staff", "SET NULL"),
        _pk("placement_questions"),
    )
    op.create_index(op.f("ix_placement_questions_young_person_id"), "placement_questions",
                    ["young_person_id"])
    op.create_index(op.f("ix_placement_questions_placement_id"), "placement_questions",
                    ["placement_id"])


def downgrade() -> None:
    for table in ("placement_questions", "placement_moves", "booklet_section_photos",
                  "booklet_sections", "booklet_versions", "placement_photos",
                  "placement_staff", "placements"):
        op.drop_table(table)
