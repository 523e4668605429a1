"""web channel: sessions, PIN logins, unit tablets, a young person's unit

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('young_people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit', sa.String(length=100), nullable=True))
        batch_op.create_index(batch_op.f('ix_young_people_unit'), ['unit'], unique=False)

    op.create_table('web_logins',
    sa.Column('young_person_id', sa.String(length=32), nullable=False),
    sa.Column('link_hash', sa.String(length=64), nullable=False),
    sa.Column('link_ct', sa.LargeBinary(), nullable=False),
    sa.Column('pin_hash', sa.String(length=200), nullable=False),
    sa.Column('pin_kind', sa.String(length=10), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acks_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['young_person_id'], ['young_people.id'], name=op.f('fk_web_logins_young_person_id_young_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('young_person_id', name=op.f('pk_web_logins')),
    sa.UniqueConstraint('link_hash', name=op.f('uq_web_logins_link_hash'))
    )
    op.create_table('tablets',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('service_id', sa.String(length=32), nullable=False),
    sa.Column('unit', sa.String(length=100), nullable=False),
    sa.Column('device_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_tablets_service_id_services'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tablets')),
    sa.UniqueConstraint('device_hash', name=op.f('uq_tablets_device_hash'))
    )
    with op.batch_alter_table('tablets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tablets_service_id'), ['service_id'], unique=False)

    op.create_table('web_sessions',
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('young_person_id', sa.String(length=32), nullable=True),
    sa.Column('tablet_id', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('idle_seconds', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('view_ct', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['tablet_id'], ['tablets.id'], name=op.f('fk_web_sessions_tablet_id_tablets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['young_person_id'], ['young_people.id'], name=op.f('fk_web_sessions_young_person_id_young_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id_hash', name=op.f('pk_web_sessions'))
    )
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_sessions_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_web_sessions_young_person_id'), ['young_person_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_sessions_young_person_id'))
        batch_op.drop_index(batch_op.f('ix_web_sessions_expires_at'))
    op.drop_table('web_sessions')
    with op.batch_alter_table('tablets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tablets_service_id'))
    op.drop_table('tablets')
    op.drop_table('web_logins')
    with op.batch_alter_table('young_people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_young_people_unit'))
        batch_op.drop_column('unit')
