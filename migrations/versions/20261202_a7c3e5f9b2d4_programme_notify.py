"""programme notifications: pg_notify('festa_programme', event id) on what the schedule
pages read before their cache (PostgreSQL)

Revision ID: a7c3e5f9b2d4
Revises: b8e2d4f6a1c3
Create Date: 2026-12-02 12:40:00

festa.program.programme_listener keeps, per process, what the schedule page and feeds
read before their cache (festa.program.schedule_cache: the published event's id, days,
zone, programme version and the seats taken in its sessions) and trusts it only while it
LISTENs. These triggers announce every change of those columns in the changing
transaction: PostgreSQL delivers a NOTIFY when (and only if) it commits. The event's own
seat counter (every registration) is not among them, so registrations do not notify.
TRUNCATE announces '*' (forget every event). SQLite has no NOTIFY; the migration leaves
it alone.
"""
from alembic import op

revision = 'a7c3e5f9b2d4'
down_revision = 'b8e2d4f6a1c3'
branch_labels = None
depends_on = None

FUNCTION = """
CREATE OR REPLACE FUNCTION festa_programme_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_LEVEL = 'STATEMENT' THEN  -- TRUNCATE
        PERFORM pg_notify('festa_programme', '*');
        RETURN NULL;
    END IF;
    -- events: the row is the event; programme_versions, sessions: its event_id
    IF TG_TABLE_NAME = 'events' THEN
        IF TG_OP <> 'INSERT' THEN
            PERFORM pg_notify('festa_programme', OLD.id::text);
        END IF;
        IF TG_OP <> 'DELETE' THEN
            PERFORM pg_notify('festa_programme', NEW.id::text);
        END IF;
    ELSE
        IF TG_OP <> 'INSERT' THEN
            PERFORM pg_notify('festa_programme', OLD.event_id::text);
        END IF;
        IF TG_OP <> 'DELETE' THEN
            PERFORM pg_notify('festa_programme', NEW.event_id::text);
        END IF;
    END IF;
    RETURN NULL;
END
$$
"""

# (table, the columns read before the cache: an UPDATE notifies when one of them changes)
WATCHED = {
    "events": ("id", "slug", "published", "timezone", "start_date", "end_date"),
    "programme_versions": ("event_id", "version"),
    "sessions": ("id", "event_id", "reservation_required", "capacity", "seats_taken"),
}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(FUNCTION)
    for table, columns in WATCHED.items():
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
        op.execute(f"""
            CREATE TRIGGER festa_programme_update AFTER UPDATE ON {table}
            FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION festa_programme_notify()""")
        op.execute(f"""
            CREATE TRIGGER festa_programme_insert_delete AFTER INSERT OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION festa_programme_notify()""")
        op.execute(f"""
            CREATE TRIGGER festa_programme_truncate AFTER TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION festa_programme_notify()""")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in WATCHED:
        for name in ("update", "insert_delete", "truncate"):
            op.execute(f"DROP TRIGGER IF EXISTS festa_programme_{name} ON {table}")
    op.execute("DROP FUNCTION IF EXISTS festa_programme_notify()")
