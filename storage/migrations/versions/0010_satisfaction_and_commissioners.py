"""Satisfaction asked once a month, and the services a commissioner sees

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23

- ``young_people.satisfaction_asked_month``: the month the satisfaction question was
  last asked (the answer itself is only counted, in ``kpi_counts``).
- ``staff_services``: a commissioner's services.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("young_people", sa.Column("satisfaction_asked_month", sa.String(7), nullable=True))
    op.create_table(
        "staff_services",
        sa.Column("staff_id", sa.String(length=32), nullable=False),
        sa.Column("service_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"],
                                name=op.f("fk_staff_services_staff_id_staff"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"],
                                name=op.f("fk_staff_services_service_id_services"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("staff_id", "service_id", name=op.f("pk_staff_services")),
    )

def downgrade() -> None:
    op.drop_table("staff_services")
    op.drop_column("young_people", "satisfaction_asked_month")
