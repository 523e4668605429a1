"""Staff who must not get email: alerts and notices then go to them by other routes only

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, never a batch copy: on SQLite a batch rebuilds "staff", and
# dropping the old table fires ON DELETE SET NULL on every young person's keyworker
# (tests/storage/test_migration_0005.py upgrades a database with people in it).


def upgrade() -> None:
    op.add_column("staff", sa.Column("no_email", sa.Boolean(), nullable=False,
                                     server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("staff", "no_email")
