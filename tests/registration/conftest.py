"""Helpers for the registration tests: people to register and the counters to check."""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa

from festa.extensions import db
from festa.outbox.models import OutboxMessage
from festa.program.models import Event, Session
from festa.registration.models import Registration, RegistrationStatus, Reservation

_people = itertools.count(1)


def person(**fields) -> dict:
    """Keyword arguments for `register` for a new person."""
    n = next(_people)
    values = {"name": f"참가자 {n}", "email": f"person{n}@example.com"}
    values.update(fields)
    return values


def mails(topic: str | None = None, registration: Registration | None = None) -> list:
    query = sa.select(OutboxMessage).where(OutboxMessage.kind == "mail").order_by(OutboxMessage.id)
    if topic:
        query = query.where(OutboxMessage.topic == topic)
    if registration is not None:
        query = query.where(OutboxMessage.registration_id == registration.id)
    return list(db.session.scalars(query))


def assert_counters_match(event: Event) -> None:
    """The seat counters equal the confirmed rows, for the event and each of its sessions."""
    db.session.expire_all()
    confirmed = db.session.scalar(sa.select(sa.func.count(Registration.id)).where(
        Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED))
    event = db.session.get(Event, event.id)
    assert event.seats_taken == confirmed
    if event.capacity is not None:
        assert event.seats_taken <= event.capacity
    for session in db.session.scalars(sa.select(Session).where(Session.event_id == event.id)):
        taken = db.session.scalar(sa.select(sa.func.count(Reservation.id)).where(
            Reservation.session_id == session.id,
            Reservation.status == RegistrationStatus.CONFIRMED))
        assert session.seats_taken == taken, session.title_en
        if session.capacity is not None:
            assert session.seats_taken <= session.capacity


@pytest.fixture
def event(app):
    from tests.factories import make_event

    event = make_event(capacity=2)
    db.session.commit()
    return event


@pytest.fixture
def workshop(app, event):
    from tests.factories import make_session

    session = make_session(event, kind="workshop", capacity=1, reservation_required=True,
                           title_en="Prompt workshop", title_ko="프롬프트 워크숍")
    db.session.commit()
    return session
