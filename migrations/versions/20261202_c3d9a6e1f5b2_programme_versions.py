"""programme_versions: a number per event that grows with every programme change (cache keys)

Revision ID: c3d9a6e1f5b2
Revises: 5c1e7a9d2b31
Create Date: 2026-12-02 02:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'c3d9a6e1f5b2'
down_revision = '5c1e7a9d2b31'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'programme_versions',
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('event_id'),
    )


def downgrade():
    op.drop_table('programme_versions')
