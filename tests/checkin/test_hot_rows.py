"""Rows every scan shares (a door's counter, a scanner's device row) are locked only briefly:
the counter UPDATE comes last before the commit, and a device's last_seen_at is written at
most once a minute, never waiting for another request."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from festa.checkin.devices import device_for_token
from festa.checkin.models import Checkpoint, Device, Presence
from festa.checkin.services import decide_scan
from festa.dbtypes import utcnow
from festa.extensions import db
from festa.outbox.models import OutboxMessage
from festa.webhooks.models import Webhook
from tests.checkin.helpers import device_token, room_checkpoint, setup_event


def _statement_kinds(statements: list[str]) -> list[str]:
    """'INSERT outbox', 'UPDATE checkpoints', … for each statement."""
    kinds = []
    for statement in statements:
        words = statement.replace('"', "").split()
        verb = words[0].upper()
        table = {"INSERT": words[2], "UPDATE": words[1]}.get(verb, "")
        kinds.append(f"{verb} {table}".strip())
    return kinds


@pytest.fixture
def hooked_event(app):
    event, entrance, tickets = setup_event(tickets=2)
    db.session.add(Webhook(event_id=event.id, url="https://hooks.example/in", secret="s",
                           topics="checkin.created"))
    db.session.commit()
    return event, entrance, tickets


def test_a_scan_is_one_statement_and_the_webhook_joins_its_transaction(
        hooked_event, count_queries, is_postgres):
    """PostgreSQL: the whole decision is one statement (festa_scan), the webhook's outbox
    row comes after it, before the commit. SQLite (one writer at a time): the same steps
    one by one, the counter last before the answer."""
    _event, entrance, (ticket, _other) = hooked_event
    code, _loaded = ticket.code, entrance.id  # read before counting
    with count_queries() as counter:
        outcome = decide_scan(entrance, code)
    assert outcome.result == "ok" and outcome.response["inside"] == 1
    kinds = _statement_kinds(counter.statements)
    assert kinds[-1] == "INSERT outbox"
    if is_postgres:
        assert "festa_scan(" in counter.statements[0]
        assert all("webhooks" in s for s in counter.statements[1:-1])  # kept after this
        return
    bump = kinds.index("UPDATE checkpoints")
    assert kinds.index("INSERT scans") < kinds.index("INSERT presences") < bump
    assert [k for k in kinds[bump + 1:] if k != "SELECT"] == ["UPDATE scans", "INSERT outbox"]


def test_a_full_room_takes_back_the_webhook_and_the_presence(hooked_event):
    event, _entrance, (first, second) = hooked_event
    room = room_checkpoint(event, "Tiny room", capacity=1)
    assert decide_scan(room, first.code).result == "ok"
    full = decide_scan(room, second.code)
    assert full.result == "room_full" and full.response["inside"] == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1
    assert db.session.get(Presence, (second.id, room.id)) is None
    db.session.expire_all()
    assert db.session.get(Checkpoint, room.id).inside_count == 1


def test_exit_answers_the_count_after_leaving(app):
    event, _entrance, (ticket, _other) = setup_event()
    hall = room_checkpoint(event, "Hall", counts_exits=True)
    decide_scan(hall, ticket.code)
    out = decide_scan(hall, ticket.code, direction="exit")
    assert out.result == "ok" and out.response["inside"] == 0
    again = decide_scan(hall, ticket.code, direction="exit")  # not inside: nothing changes
    assert again.result == "ok" and again.response["inside"] == 0


@pytest.mark.app_config(LOOKUP_CACHE_SECONDS=0)  # each call reads the device row
def test_last_seen_is_written_at_most_once_a_minute(app, count_queries):
    _event, entrance, _tickets = setup_event()
    token = device_token(entrance)
    with count_queries() as counter:
        device = device_for_token(token)
        db.session.commit()
    assert "UPDATE devices" in _statement_kinds(counter.statements)
    seen = db.session.get(Device, device.id).last_seen_at
    assert seen is not None
    with count_queries() as counter:
        device_for_token(token)
        db.session.commit()
    assert "UPDATE devices" not in _statement_kinds(counter.statements)
    db.session.execute(sa.update(Device).values(last_seen_at=utcnow() - timedelta(minutes=2)))
    db.session.commit()
    device_for_token(token)
    db.session.commit()
    assert db.session.get(Device, device.id).last_seen_at > seen - timedelta(seconds=1)


def test_last_seen_never_waits_for_a_request_writing_it(app, database_url, is_postgres):
    """Another request holds the device row (its own last_seen write, not committed yet):
    this one goes on without waiting (a lock_timeout would raise if it waited)."""
    if not is_postgres:
        pytest.skip("row locks: PostgreSQL (SQLite has one writer at a time)")
    _event, entrance, _tickets = setup_event()
    token = device_token(entrance)
    other = sa.create_engine(database_url)
    try:
        with other.connect() as conn:
            conn.execute(sa.text("UPDATE devices SET name = name"))  # holds the row lock
            db.session.execute(sa.text("SET LOCAL lock_timeout = '2s'"))
            device = device_for_token(token)
            assert device is not None and device.checkpoint_id == entrance.id
            db.session.commit()
            conn.rollback()
    finally:
        other.dispose()


def test_a_scan_nobody_listens_to_holds_the_door_row_only_within_its_statement(
        app, client, database_url, is_postgres):
    """No webhook wants check-ins: the scan commits with its one statement, so right after
    it another transaction can take the door's counter row at once — also the first scan,
    whose process reads the event's receivers and the device first (that read is over
    before the scan begins). With a listener it stays locked until the commit."""
    if not is_postgres:
        pytest.skip("row locks: PostgreSQL (SQLite has one writer at a time)")
    event, entrance, (ticket, other) = setup_event()
    token, entrance_id, codes = device_token(entrance), entrance.id, [ticket.code, other.code]
    db.session.add(Webhook(event_id=event.id, url="https://hooks.example/in", secret="s",
                           topics="registration.created"))  # not check-ins
    db.session.commit()
    db.session.remove()
    probe = sa.create_engine(database_url)
    taken: list[bool] = []

    def after(conn, _cursor, statement, *_args) -> None:
        if "festa_scan(" not in statement:
            return
        with probe.connect() as other_conn:
            other_conn.execute(sa.text("SET lock_timeout = '100ms'"))
            try:
                other_conn.execute(sa.text("SELECT 1 FROM checkpoints WHERE id = :id "
                                           "FOR UPDATE"), {"id": entrance_id})
                taken.append(True)
            except sa.exc.OperationalError:
                taken.append(False)
            other_conn.rollback()

    headers = {"Authorization": f"Bearer {token}"}
    sa.event.listen(db.engine, "after_cursor_execute", after)
    try:
        for code in codes:  # the first loads device and receivers, the second has them
            response = client.post(f"/api/v1/checkpoints/{entrance_id}/scans",
                                   json={"code": code}, headers=headers)
            assert response.get_json()["result"] == "ok"
            db.session.remove()
    finally:
        sa.event.remove(db.engine, "after_cursor_execute", after)
        probe.dispose()
    assert taken == [True, True]
    assert db.session.get(Checkpoint, entrance_id).inside_count == 2
