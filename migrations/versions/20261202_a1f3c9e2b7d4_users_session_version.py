"""users.session_version: logging out or changing a password ends the account's other sessions

Revision ID: a1f3c9e2b7d4
Revises: 5c1e7d2a9b40
Create Date: 2026-12-02 01:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'a1f3c9e2b7d4'
down_revision = '5c1e7d2a9b40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
