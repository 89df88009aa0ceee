"""outbox: payload may wait for the worker (NULL until rendered), params for the renderer

Revision ID: b7e2d4f1c8a3
Revises: b6344df3457d
Create Date: 2026-12-02 02:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'b7e2d4f1c8a3'
down_revision = 'b6344df3457d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.alter_column('payload', existing_type=sa.LargeBinary(), nullable=True)
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=True))


def downgrade():
    # Rows still waiting to be rendered cannot be kept without their content.
    op.execute("DELETE FROM outbox WHERE payload IS NULL")
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('params')
        batch_op.alter_column('payload', existing_type=sa.LargeBinary(), nullable=False)
