"""A new registration is decided and recorded by one statement on PostgreSQL
(festa_register(), festa.registration.recording), the same steps one by one on SQLite:
the event's counter row is locked first, full or not, so no fill is needed after the
commit; what listeners and organizers add joins the same transaction."""

import threading
import time

import pytest
import sqlalchemy as sa

from festa.audit.models import AuditEntry
from festa.extensions import db
from festa.outbox.models import OutboxMessage
from festa.outbox.services import rendered
from festa.registration import promotion, services
from festa.registration.models import Registration
from festa.registration.rules import event_to_register_for
from festa.tickets.services import verified_ticket
from festa.webhooks.models import Webhook
from tests.registration.conftest import assert_counters_match, mails, person


def _hook(event) -> None:
    db.session.add(Webhook(event_id=event.id, url="https://hooks.example/r", secret="s",
                           topics="registration.created"))
    db.session.commit()


def _writes(statements: list[str]) -> list[str]:
    return [s for s in statements if s.split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}
            or "festa_register(" in s]


@pytest.mark.parametrize("seats", [2, 0])
def test_one_statement_on_postgresql_the_event_counter_first_on_sqlite(
        event, workshop, count_queries, is_postgres, seats):
    event.capacity = seats
    db.session.commit()
    services.register(event, **person())  # this process now knows: no webhook listens
    ticket_id = event_to_register_for(event.slug).ticket_id  # as the API reads it
    with count_queries() as counter:
        registration = services.register(event, **person(), session_ids=[workshop.id],
                                         ticket_id=ticket_id)
    assert registration.status == ("confirmed" if seats else "waitlisted")
    writes = _writes(counter.statements)
    if is_postgres:
        assert len(writes) == 1 and "festa_register(" in writes[0], counter.statements
        assert not any(s.split()[0].upper() == "COMMIT" for s in counter.statements)
    else:  # the write lock first, whether a seat is free or not
        assert writes[0].replace('"', "").split()[:2] == ["UPDATE", "events"], writes
    assert_counters_match(event)


def test_the_answer_is_the_committed_state(event, workshop):
    registration = services.register(event, **person(), session_ids=[workshop.id])
    ticket = registration.ticket
    db.session.expire_all()
    stored = db.session.get(Registration, registration.id)
    assert (stored.status, stored.ticket.id, stored.ticket.code) == (
        "confirmed", ticket.id, ticket.code)
    assert verified_ticket(ticket.code).id == ticket.id  # signed for its own id
    assert [(r.session_id, r.status) for r in stored.reservations] == [(workshop.id,
                                                                        "confirmed")]
    assert [m.topic for m in mails(registration=stored)] == ["confirmation"]


def test_a_seat_found_free_without_a_ticket_id_taken_ahead(event):
    """The API takes a ticket id when its read finds a seat; the statement asks for one
    when the seat is free after all (and the page never takes one ahead)."""
    registered = services.register_placed(event, **person(), ticket_id=None)
    assert registered.registration.status == "confirmed"
    code = registered.registration.ticket.code
    assert verified_ticket(code).id == registered.registration.ticket.id
    assert_counters_match(event)


def test_listeners_and_the_audit_join_the_transaction(event, auth):
    organizer = auth.login("organizer")
    _hook(event)
    for _ in range(2):
        services.register(event, **person())
    late = services.register(event, **person(), source="walk-in", by=organizer)
    assert late.status == "waitlisted" and late.ticket is None
    assert [m.topic for m in mails(registration=late)] == ["waitlisted"]
    hooks = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.kind == "webhook", OutboxMessage.registration_id == late.id)).all()
    assert len(hooks) == 1 and b'"status": "waitlisted"' in rendered(hooks[0]).payload
    audit = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "registration.create", AuditEntry.target_id == late.id)).all()
    assert [entry.details["status"] for entry in audit] == ["waitlisted"]
    assert_counters_match(event)


def test_a_waitlisting_needs_no_fill_after_its_commit(event, monkeypatch, caplog):
    def broken(target):
        raise AssertionError("no fill after a registration")

    for _ in range(2):
        services.register(event, **person())
    monkeypatch.setattr(promotion, "fill_from_waitlist", broken)
    registered = services.register_placed(event, **person())
    assert registered.registration.status == "waitlisted" and registered.position == 1
    assert "waitlist fill failed" not in caplog.text


@pytest.mark.postgres
def test_a_full_event_waits_for_a_cancellation_in_progress(event, is_postgres, app):
    """The waitlisting locks the event's counter row too: while a cancellation holds it,
    the registration waits, then sees the seat that cancellation freed (its fill found
    nobody waiting)."""
    if not is_postgres:
        pytest.skip("row locks: PostgreSQL")
    first = services.register(event, **person())
    services.register(event, **person())
    first_id, event_id = first.id, event.id
    db.session.remove()
    other = sa.create_engine(db.engine.url)
    done = {}
    with other.connect() as cancelling:  # a cancellation holding the counter's lock
        cancelling.execute(sa.text("SELECT 1 FROM events WHERE id = :id FOR NO KEY UPDATE"),
                           {"id": event_id})
        cancelling.execute(sa.text(
            "UPDATE registrations SET status = 'cancelled' WHERE id = :id"), {"id": first_id})
        cancelling.execute(sa.text(
            "UPDATE events SET seats_taken = seats_taken - 1 WHERE id = :id"), {"id": event_id})

        def register() -> None:
            with app.app_context():
                done["status"] = services.register(db.session.get(type(event), event_id),
                                                   **person()).status
                db.session.remove()

        thread = threading.Thread(target=register)
        thread.start()
        time.sleep(1.0)
        assert "status" not in done  # waiting for the lock, not waitlisted beside the seat
        cancelling.commit()
    thread.join(timeout=30)
    other.dispose()
    assert done["status"] == "confirmed"
    assert_counters_match(db.session.get(type(event), event_id))
