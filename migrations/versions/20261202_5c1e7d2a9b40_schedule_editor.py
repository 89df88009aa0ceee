"""schedule editor: unscheduled sessions, parallel rooms, breaks and blockers

Revision ID: 5c1e7d2a9b40
Revises: 0fd96599af03
Create Date: 2026-12-02 01:10:00

"""
from alembic import op
import sqlalchemy as sa

import festa.dbtypes


# revision identifiers, used by Alembic.
revision = '5c1e7d2a9b40'
down_revision = '0fd96599af03'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rooms') as batch_op:
        batch_op.add_column(sa.Column('parallel_sessions', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('sessions') as batch_op:
        batch_op.alter_column('starts_at', existing_type=festa.dbtypes.UTCDateTime(),
                              nullable=True)
        batch_op.alter_column('ends_at', existing_type=festa.dbtypes.UTCDateTime(),
                              nullable=True)
        batch_op.create_check_constraint(
            op.f('ck_sessions_session_times_both_or_neither'),
            '(starts_at IS NULL) = (ends_at IS NULL)')
    op.create_table('schedule_blocks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title_ko', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.Column('starts_at', festa.dbtypes.UTCDateTime(), nullable=False),
    sa.Column('ends_at', festa.dbtypes.UTCDateTime(), nullable=False),
    sa.Column('created_at', festa.dbtypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_schedule_blocks_block_ends_after_start')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_schedule_blocks_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['room_id'], ['rooms.id'], name=op.f('fk_schedule_blocks_room_id_rooms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schedule_blocks'))
    )
    with op.batch_alter_table('schedule_blocks') as batch_op:
        batch_op.create_index(batch_op.f('ix_schedule_blocks_event_id'), ['event_id'], unique=False)


def downgrade():
    with op.batch_alter_table('schedule_blocks') as batch_op:
        batch_op.drop_index(batch_op.f('ix_schedule_blocks_event_id'))
    op.drop_table('schedule_blocks')
    op.execute("DELETE FROM sessions WHERE starts_at IS NULL")
    with op.batch_alter_table('sessions') as batch_op:
        batch_op.drop_constraint(op.f('ck_sessions_session_times_both_or_neither'), type_='check')
        batch_op.alter_column('ends_at', existing_type=festa.dbtypes.UTCDateTime(),
                              nullable=False)
        batch_op.alter_column('starts_at', existing_type=festa.dbtypes.UTCDateTime(),
                              nullable=False)
    with op.batch_alter_table('rooms') as batch_op:
        batch_op.drop_column('parallel_sessions')
