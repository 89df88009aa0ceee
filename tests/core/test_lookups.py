"""Per-process lookups: a load reads, then leaves no transaction open behind it (a scan
after it can still run alone, committed by its own statement)."""

import sqlalchemy as sa

from festa.core.lookups import lookups
from festa.extensions import db
from tests.factories import make_event


def test_a_load_ends_the_read_it_started(app):
    event_id = make_event().id
    db.session.commit()
    db.session.remove()
    ended: list[str] = []
    sa.event.listen(db.engine, "commit", lambda _conn: ended.append("commit"))
    sa.event.listen(db.engine, "rollback", lambda _conn: ended.append("rollback"))
    value = lookups().get(("test", event_id), lambda: db.session.scalar(
        sa.text("SELECT slug FROM events WHERE id = :id"), {"id": event_id}))
    assert value
    assert not db.session().in_transaction()
    # a COMMIT: psycopg forgets the connection's prepared statements at every ROLLBACK
    assert ended == ["commit"]
    assert lookups().get(("test", event_id), lambda: None) == value  # kept


def test_a_load_inside_a_transaction_joins_it(app):
    event = make_event()
    db.session.flush()  # written, not committed: the load must see it and keep it
    value = lookups().get(("test-slug", event.id), lambda: db.session.scalar(
        sa.text("SELECT slug FROM events WHERE id = :id"), {"id": event.id}))
    assert value == event.slug
    assert db.session().in_transaction()
    db.session.rollback()
