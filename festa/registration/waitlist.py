"""The waitlists: who waits for the event or a session, in what order, and at which place.

A line is ordered by (waitlisted_at, id). A reservation made while its holder waits for
the event has no waitlisted_at yet: it joins its session's line once the holder has an
event seat (festa.registration.promotion), at the back.
"""

from __future__ import annotations

import sqlalchemy as sa

from festa.extensions import db
from festa.program.models import Session
from festa.registration.models import Registration, RegistrationStatus, Reservation

WAITLISTED = RegistrationStatus.WAITLISTED
CONFIRMED = RegistrationStatus.CONFIRMED


def before(model, row) -> sa.ColumnElement[bool]:
    """Rows ahead of `row` in a waitlist ordered by (waitlisted_at, id)."""
    return sa.or_(
        model.waitlisted_at < row.waitlisted_at,
        sa.and_(model.waitlisted_at == row.waitlisted_at, model.id < row.id),
    )


def session_queue() -> sa.Select:
    """Waitlisted reservations whose holder has an event seat (others wait for the event)."""
    return (
        sa.select(Reservation)
        .join(Registration, Registration.id == Reservation.registration_id)
        .where(
            Reservation.status == WAITLISTED,
            Reservation.waitlisted_at.is_not(None),
            Registration.status == CONFIRMED,
        )
    )


def event_ahead(event_id, place) -> sa.Select:
    """SELECT how many wait for the event before `place` (a waiting registration, or
    anything with `waitlisted_at` and `id`; values or bind parameters)."""
    return sa.select(sa.func.count(Registration.id)).where(
        Registration.event_id == event_id,
        Registration.status == WAITLISTED,
        before(Registration, place),
    )


def event_position(registration: Registration) -> int | None:
    """1-based place on the event's waitlist: 1 + those waitlisted before (waitlisted_at, id)."""
    if registration.status != WAITLISTED or registration.waitlisted_at is None:
        return None
    return db.session.scalar(event_ahead(registration.event_id, registration)) + 1


def session_position(reservation: Reservation) -> int | None:
    """1-based place on a session's waitlist; None while the holder waits for the event."""
    if (reservation.status != WAITLISTED or reservation.waitlisted_at is None
            or reservation.registration.status != CONFIRMED):
        return None
    query = session_queue().where(
        Reservation.session_id == reservation.session_id, before(Reservation, reservation)
    )
    ahead = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    return ahead + 1


def current_reservation(registration: Registration, session_id: int) -> Reservation | None:
    """The reservation as the database has it now (not a stale loaded copy)."""
    return db.session.scalar(
        sa.select(Reservation)
        .where(Reservation.registration_id == registration.id,
               Reservation.session_id == session_id)
        .execution_options(populate_existing=True)
    )


def waitlist_position(registration: Registration, session: Session | None = None) -> int | None:
    """1-based place on the event's waitlist (or a session's); None when not waiting."""
    if session is None:
        return event_position(registration)
    reservation = current_reservation(registration, session.id)
    return session_position(reservation) if reservation else None
