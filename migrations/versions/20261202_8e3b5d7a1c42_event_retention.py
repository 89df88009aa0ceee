"""events.retention_days: personal data is anonymised this long after the event

Revision ID: 8e3b5d7a1c42
Revises: d4a7b2c9e5f1
Create Date: 2026-12-02 03:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '8e3b5d7a1c42'
down_revision = 'd4a7b2c9e5f1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retention_days', sa.Integer(), server_default='365',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('retention_days')
