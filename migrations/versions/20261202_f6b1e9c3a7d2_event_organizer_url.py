"""The event's organizer has a web address (structured data: schema.org organizer.url)

Revision ID: f6b1e9c3a7d2
Revises: c4d8e1a6f2b9
Create Date: 2026-12-02 05:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'f6b1e9c3a7d2'
down_revision = 'c4d8e1a6f2b9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organizer_url', sa.String(500), server_default='',
                                      nullable=False))
    # The events the previous migration gave to the Seoul Metropolitan Government.
    op.execute("UPDATE events SET organizer_url = 'https://www.seoul.go.kr' "
               "WHERE organizer_name_en = 'Seoul Metropolitan Government'")


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('organizer_url')
