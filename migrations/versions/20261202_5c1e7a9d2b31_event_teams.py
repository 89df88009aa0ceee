"""event teams: which staff act on which events

Revision ID: 5c1e7a9d2b31
Revises: b7e2d4f1c8a3
Create Date: 2026-12-02 01:10:00

"""
from alembic import op
import sqlalchemy as sa

import festa.dbtypes


# revision identifiers, used by Alembic.
revision = '5c1e7a9d2b31'
down_revision = 'b7e2d4f1c8a3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('event_team_members',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('added_at', festa.dbtypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_team_members_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_event_team_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'user_id', name=op.f('pk_event_team_members'))
    )
    with op.batch_alter_table('event_team_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_team_members_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('event_team_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_team_members_user_id'))
    op.drop_table('event_team_members')
