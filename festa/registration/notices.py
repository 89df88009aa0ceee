"""Telling attendees who hold a seat that their session moved (festa.signals.session_moved).

Only for a published event and a session still on the schedule: before publishing nobody
was told a time, and a session with seats cannot leave the schedule (festa.program.moves).
The agenda feeds need nothing: they are built from the sessions as they are now.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from festa import signals
from festa.extensions import db
from festa.outbox.models import OutboxMessage
from festa.program.models import Session
from festa.registration.mail import queue_registration_mail
from festa.registration.models import Registration, RegistrationStatus, Reservation

CONFIRMED = RegistrationStatus.CONFIRMED


def _holders_query(session_ids: list[int]) -> sa.Select:
    return (
        sa.select(Reservation.session_id, Registration)
        .join(Registration, Registration.id == Reservation.registration_id)
        .where(Reservation.session_id.in_(session_ids), Reservation.status == CONFIRMED,
               Registration.status == CONFIRMED)
        .order_by(Registration.id)
    )


def seat_holders(session: Session) -> list[Registration]:
    """Confirmed registrations with a confirmed seat in `session`."""
    return [registration for _, registration in db.session.execute(_holders_query([session.id]))]


def notify_counts(sessions: list[Session]) -> dict[int, int]:
    """{session id: how many attendees a move would notify} (0 while unpublished), in one
    query: what the schedule editor shows before saving."""
    published = [s.id for s in sessions if s.event.published and s.scheduled]
    counts = dict.fromkeys((s.id for s in sessions), 0)
    if published:
        rows = db.session.execute(
            sa.select(Reservation.session_id, sa.func.count())
            .join(Registration, Registration.id == Reservation.registration_id)
            .where(Reservation.session_id.in_(published), Reservation.status == CONFIRMED,
                   Registration.status == CONFIRMED)
            .group_by(Reservation.session_id))
        counts.update(dict(rows.all()))
    return counts


def tell_seat_holders(session: Session, **_data) -> list[OutboxMessage]:
    """Queue a mail (in each attendee's language) about the new time or room. Runs in the
    mover's transaction: its commit sends them."""
    if not session.event.published or not session.scheduled or session.cancelled:
        return []
    return [queue_registration_mail(registration, "session_moved", session)
            for registration in seat_holders(session)]


def init_app(app: Flask) -> None:
    """Connect the receivers (festa.signals; connecting twice changes nothing)."""
    signals.session_moved.connect(tell_seat_holders)
