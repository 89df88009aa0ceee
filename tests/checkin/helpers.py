"""Check-in test helpers: registrations with tickets built straight from the models."""

from __future__ import annotations

import itertools

from festa.checkin.devices import create_checkpoint, create_device, entrance_checkpoint
from festa.extensions import db
from festa.registration.models import Registration, RegistrationStatus, Reservation
from festa.tickets.models import Ticket
from festa.tickets.services import issue_ticket
from tests.factories import make_event

_seq = itertools.count(1)


def make_ticket(event, name: str | None = None, email: str | None = None,
                sessions=(), status: str = RegistrationStatus.CONFIRMED) -> Ticket:
    """A confirmed registration with its ticket (and confirmed reservations)."""
    n = next(_seq)
    registration = Registration(
        event_id=event.id, name=name or f"참가자 {n}", email=email or f"guest{n}@festa.test",
        status=status, agenda_token=f"agenda-{n}-{event.id}",
    )
    db.session.add(registration)
    for session in sessions:
        registration.reservations.append(Reservation(session_id=session.id))
    db.session.flush()
    return issue_ticket(registration)


def setup_event(tickets: int = 2, **event_fields):
    """An event with its entrance and `tickets` ticket holders; committed."""
    event = make_event(**event_fields)
    entrance = entrance_checkpoint(event)
    holders = [make_ticket(event) for _ in range(tickets)]
    db.session.commit()
    return event, entrance, holders


def room_checkpoint(event, name: str = "Room", **values):
    checkpoint = create_checkpoint(event, name=name, **values)
    db.session.commit()
    return checkpoint


def device_token(checkpoint, name: str = "gate") -> str:
    _device, token = create_device(checkpoint, name=name)
    db.session.commit()
    return token
