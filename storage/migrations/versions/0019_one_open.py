"""One waiting delete request per young person, one open buddy relay per move

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04

The code already refuses a second one; these partial unique indexes hold the line
when two requests race (two workers on PostgreSQL). Any duplicates made before are
settled first, without saying anything untrue: the oldest waiting request stays and
later copies of it are deleted (the audit log keeps each ask); the newest open relay
of a move stays and older ones are closed as "replaced" (shown as closed, not as
stopped by anyone), at the moment the newer one was chosen.

New indexes only: nothing existing is rebuilt.
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.text(
        "DELETE FROM data_requests WHERE state = 'requested' AND EXISTS ("
        " SELECT 1 FROM data_requests AS older WHERE older.state = 'requested'"
        " AND older.young_person_id = data_requests.young_person_id"
        " AND (older.requested_at < data_requests.requested_at"
        "  OR (older.requested_at = data_requests.requested_at AND older.id < data_requests.id)))"))
    op.execute(sa.text(
        "UPDATE buddy_matches SET closed_reason = 'replaced', closed_at = ("
        " SELECT max(newer.chosen_at) FROM buddy_matches AS newer WHERE newer.closed_at IS NULL"
        " AND newer.move_id = buddy_matches.move_id)"
        " WHERE closed_at IS NULL AND EXISTS ("
        " SELECT 1 FROM buddy_matches AS newer WHERE newer.closed_at IS NULL"
        " AND newer.move_id = buddy_matches.move_id"
        " AND (newer.chosen_at > buddy_matches.chosen_at"
        "  OR (newer.chosen_at = buddy_matches.chosen_at AND newer.id > buddy_matches.id)))"))
    op.create_index("uq_data_requests_one_waiting", "data_requests", ["young_person_id"],
                    unique=True, sqlite_where=sa.text("state = 'requested'"),
                    postgresql_where=sa.text("state = 'requested'"))
    op.create_index("uq_buddy_matches_one_open", "buddy_matches", ["move_id"], unique=True,
                    sqlite_where=sa.text("closed_at IS NULL"),
                    postgresql_where=sa.text("closed_at IS NULL"))


def downgrade() -> None:
    op.drop_index("uq_buddy_matches_one_open", table_name="buddy_matches")
    op.drop_index("uq_data_requests_one_waiting", table_name="data_requests")
