"""Every event has its entrance checkpoint: made for the events created before it was made
with the event (it used to appear the first time a page asked for it)

Revision ID: e3c8a9d1f0b6
Revises: c3d9a6e1f5b2
Create Date: 2026-12-02 01:40:00

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = 'e3c8a9d1f0b6'
down_revision = 'c3d9a6e1f5b2'
branch_labels = None
depends_on = None


def upgrade():
    # 'event' is Admits.ANY_TICKET; created_at is naive UTC, as UTCDateTime stores it.
    op.execute(sa.text(
        "INSERT INTO checkpoints (event_id, name, is_entrance, admits, counts_exits, "
        "inside_count, active, created_at) "
        "SELECT e.id, 'Entrance', :yes, 'event', :no, 0, :yes, :now "
        "FROM events e WHERE NOT EXISTS (SELECT 1 FROM checkpoints c "
        "WHERE c.event_id = e.id AND c.is_entrance = :yes)"
    ).bindparams(yes=True, no=False, now=datetime.now(UTC).replace(tzinfo=None)))


def downgrade():
    pass  # an entrance made here is like one made with its event: it stays
