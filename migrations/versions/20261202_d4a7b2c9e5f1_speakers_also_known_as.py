"""speakers.also_known_as: other spellings of a speaker's name that search finds

Revision ID: d4a7b2c9e5f1
Revises: e3c8a9d1f0b6
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "d4a7b2c9e5f1"
down_revision = "e3c8a9d1f0b6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("speakers") as batch:
        batch.add_column(sa.Column("also_known_as", sa.String(300), nullable=False,
                                   server_default=""))


def downgrade():
    with op.batch_alter_table("speakers") as batch:
        batch.drop_column("also_known_as")
