"""Languages a service has switched off

Revision ID: 0015
Revises: 0011
Create Date: 2026-11-23

- ``service_languages_off``: (service, locale) pairs not offered to that service's
  young people. Every shipped language is on until a lead or admin switches it off.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_languages_off",
        sa.Column("service_id", sa.String(length=32), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("switched_off_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"],
                                name=op.f("fk_service_languages_off_service_id_services"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("service_id", "locale", name=op.f("pk_service_languages_off")),
    )


def downgrade() -> None:
    op.drop_table("service_languages_off")
