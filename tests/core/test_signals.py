"""festa.signals: lower areas tell what happened; what a receiver adds joins the sender's
transaction and is taken back with it."""

from __future__ import annotations

import sqlalchemy as sa
from blinker import Signal

from festa import signals
from festa.checkin.services import decide_scan
from festa.extensions import db
from festa.outbox.models import OutboxMessage
from festa.outbox.services import enqueue
from festa.registration.services import cancel_registration, register
from tests.checkin.helpers import make_ticket, room_checkpoint, setup_event
from tests.factories import make_event


class Listener:
    """A receiver that notes each call and adds one outbox row of its own kind."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def __call__(self, sender, **data):
        self.calls.append((sender, data))
        return [enqueue("test", "heard", "listener", b"", event_id=None)]


def rows() -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "test")))


def test_send_collects_the_rows_of_every_receiver(app):
    signal, first, second = Signal(), Listener(), Listener()
    with signal.connected_to(first), signal.connected_to(second):
        added = signals.send(signal, "someone", extra=1)
    assert len(added) == 2
    assert first.calls == [("someone", {"extra": 1})]
    db.session.rollback()


def test_registration_created_and_cancelled_are_told_inside_the_transaction(app):
    event = make_event(capacity=5)
    db.session.commit()
    created, cancelled = Listener(), Listener()
    with signals.registration_created.connected_to(created), \
            signals.registration_cancelled.connected_to(cancelled):
        registration = register(event, "이서연", "seoyeon@example.test")
        assert [(r.id, r.status) for r, _ in created.calls] == [(registration.id, "confirmed")]
        assert len(rows()) == 1  # committed with the registration
        cancel_registration(registration)
        cancel_registration(registration)  # already cancelled: nothing happens, nothing told
    assert [r.id for r, _ in cancelled.calls] == [registration.id]
    assert len(rows()) == 2


def test_receivers_are_told_the_outcome_once(app):
    event = make_event(capacity=1)
    db.session.commit()
    register(event, "First", "first@example.test")
    created = Listener()
    with signals.registration_created.connected_to(created):
        late = register(event, "Late", "late@example.test")
    assert late.status == "waitlisted"
    assert [(r.id, r.status) for r, _ in created.calls] == [(late.id, "waitlisted")]
    assert len(rows()) == 1


def test_checkin_created_only_for_people_let_in(app):
    event, entrance, (ticket, other) = setup_event()
    room = room_checkpoint(event, "Small room", capacity=1)
    late = make_ticket(event)
    db.session.commit()
    heard = Listener()
    with signals.checkin_created.connected_to(heard):
        assert decide_scan(entrance, ticket.code).result == "ok"
        assert decide_scan(entrance, ticket.code).result == "already_checked_in"
        assert decide_scan(room, other.code).result == "ok"
        assert decide_scan(room, late.code).result == "room_full"
    # Told after the decision, in its transaction: never for a refused scan.
    assert [(data["ticket"].id, data["checkpoint"].id) for _scan, data in heard.calls] == [
        (ticket.id, entrance.id), (other.id, room.id)]
    assert len(rows()) == 2


def test_listening_asks_the_receivers_that_say_when_they_act(app):
    signal, always, sometimes = Signal(), Listener(), Listener()
    assert not signals.listening(signal, event_id=1)  # nobody connected
    signals.connect(signal, sometimes, listens=lambda *, event_id: event_id == 2)
    assert not signals.listening(signal, event_id=1)
    assert signals.listening(signal, event_id=2)
    with signal.connected_to(always):  # says nothing: it always might add rows
        assert signals.listening(signal, event_id=1)
    signal.disconnect(sometimes)
    assert not signals.listening(signal, event_id=2)
