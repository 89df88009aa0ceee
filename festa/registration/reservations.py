"""Session reservations: add one (a seat or the waitlist), drop one (the next in line
gets the seat at once). Locks follow the order explained in
festa.registration.seat_counters."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from festa.auth.models import User
from festa.dbtypes import utcnow
from festa.errors import FestaError
from festa.extensions import db
from festa.program.models import Event, Session
from festa.registration import promotion, seat_counters
from festa.registration.mail import queue_registration_mail
from festa.registration.models import Registration, RegistrationStatus, Reservation
from festa.registration.rules import (
    audit,
    first_overlap,
    not_active,
    overlap_error,
    reservable_sessions,
)
from festa.registration.waitlist import current_reservation

CONFIRMED = RegistrationStatus.CONFIRMED
WAITLISTED = RegistrationStatus.WAITLISTED
CANCELLED = RegistrationStatus.CANCELLED


def held_sessions(registration: Registration) -> list[Session]:
    """The sessions this registration holds a seat for or waits for, as the database has
    them now."""
    return list(db.session.scalars(
        sa.select(Session).join(Reservation, Reservation.session_id == Session.id)
        .where(Reservation.registration_id == registration.id,
               Reservation.status != CANCELLED)
        .order_by(Session.starts_at, Session.id)
    ))


def _not_started(session: Session) -> None:
    """Reservations change only before the session starts."""
    if session.starts_at <= utcnow():
        raise FestaError("session_started", _("This session has already started."), status=409)


def reserve_session(registration: Registration, session: Session, *,
                    by: User | None = None) -> Reservation:
    """Add a reservable session: a seat if free, else its waitlist. Commits.

    Locks the event row, then the session's (the order of seat_counters.py), so a
    cancellation of the same registration cannot interleave, nor a second reservation: a
    session that overlaps one the attendee holds (seat or waitlist) is refused, 422 naming
    `sessions`.
    """
    if session.id not in {s.id for s in reservable_sessions(registration.event)}:
        raise FestaError("validation_error", _("Some fields are not valid."), status=422,
                         fields={"sessions": [_("This session does not take reservations.")]})
    _not_started(session)
    seat_counters.lock_counter(Event, registration.event_id)
    seat_counters.lock_counter(Session, session.id)
    db.session.refresh(registration)
    if registration.status == CANCELLED:
        raise not_active()
    reservation = current_reservation(registration, session.id)
    if reservation is not None and reservation.status != CANCELLED:
        db.session.rollback()
        return reservation
    clash = first_overlap(session, held_sessions(registration))
    if clash is not None:
        db.session.rollback()
        raise overlap_error(session, clash)
    if reservation is None:
        reservation = Reservation(registration=registration, session=session)
        db.session.add(reservation)
    reservation.status, reservation.waitlisted_at = WAITLISTED, None
    if registration.status == CONFIRMED:
        if seat_counters.take_seat(Session, session.id):
            reservation.status = CONFIRMED
        else:
            reservation.waitlisted_at = utcnow()
            queue_registration_mail(registration, "session_waitlisted", session=session)
    audit(by, "reservation.create", registration, session_id=session.id)
    db.session.commit()
    return reservation


def drop_reservation(registration: Registration, session: Session, *,
                     by: User | None = None) -> None:
    """Give up a session reservation; a freed seat goes to the next in line at once. Commits."""
    _not_started(session)
    seat_counters.lock_counter(Session, session.id)
    reservation = current_reservation(registration, session.id)
    if reservation is None or reservation.status == CANCELLED:
        db.session.rollback()
        return
    drop(reservation)
    audit(by, "reservation.cancel", registration, session_id=session.id)
    db.session.commit()
    promotion.settle(None, [session.id])


def drop(reservation: Reservation) -> None:
    """Cancel one reservation; its session's row must be locked by the caller."""
    was_confirmed = reservation.status == CONFIRMED
    reservation.status, reservation.waitlisted_at = CANCELLED, None
    if was_confirmed:
        db.session.flush()
        seat_counters.release_seat(Session, reservation.session_id)
        promotion.fill_session(reservation.session_id)
