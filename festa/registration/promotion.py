"""Moving people up: free seats go to the first in line, who get a ticket and a mail.

A new registration locks the event's counter row (and a chosen session's) even when it
only joins the waitlist (festa.registration.recording), so a cancellation's fill sees it or
it sees the freed seat. `fill_from_waitlist` is idempotent and runs after every
cancellation, each time in a transaction of its own. Locks follow the order
explained in festa.registration.seat_counters.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from festa.dbtypes import utcnow
from festa.extensions import db
from festa.program.models import Event, Session
from festa.registration import seat_counters
from festa.registration.mail import queue_registration_mail
from festa.registration.models import Registration, RegistrationStatus, Reservation
from festa.registration.waitlist import session_queue
from festa.tickets.services import issue_ticket

WAITLISTED = RegistrationStatus.WAITLISTED
CONFIRMED = RegistrationStatus.CONFIRMED


def _fill(model: seat_counters.CounterModel, row_id: int, line, promote_first) -> list:
    """Hand free seats to the first in `line` (a query in waitlist order), one by one.

    Each free seat is taken first (which locks the counter row), then the first in line is
    read: under the lock nobody else can promote or cancel them meanwhile. Nobody left in
    line: the seat goes back.
    """
    promoted = []
    while seat_counters.take_seat(model, row_id):
        first = db.session.scalar(line.limit(1).execution_options(populate_existing=True))
        if first is None:
            seat_counters.release_seat(model, row_id)
            break
        promote_first(first)
        promoted.append(first)
    return promoted


def fill_event(event_id: int) -> list[Registration]:
    """Give free event seats to the first waitlisted, in order. Caller commits."""
    line = (
        sa.select(Registration)
        .where(Registration.event_id == event_id, Registration.status == WAITLISTED)
        .order_by(Registration.waitlisted_at, Registration.id)
    )
    return _fill(Event, event_id, line, promote)


def fill_session(session_id: int) -> list[Reservation]:
    """Give free seats of a session to the first on its waitlist, in order. Caller commits."""
    seat_counters.lock_counter(Session, session_id)
    _queue_newly_confirmed(session_id)
    line = (
        session_queue()
        .where(Reservation.session_id == session_id)
        .order_by(Reservation.waitlisted_at, Reservation.id)
    )
    return _fill(Session, session_id, line, promote_reservation)


def _queue_newly_confirmed(session_id: int) -> None:
    """Reservations made while their holder waited for the event join the session's line
    once the holder has a seat, at the back: nobody already in line moves down."""
    pending = db.session.scalars(
        sa.select(Reservation)
        .join(Registration, Registration.id == Reservation.registration_id)
        .where(
            Reservation.session_id == session_id,
            Reservation.status == WAITLISTED,
            Reservation.waitlisted_at.is_(None),
            Registration.status == CONFIRMED,
        )
        .order_by(Registration.id)
        .execution_options(populate_existing=True)
    )
    now = utcnow()
    for reservation in pending:
        reservation.waitlisted_at = now


def fill_from_waitlist(target: Event | Session) -> list:
    """Idempotent: hand every free seat of an event or session to whoever waits, and commit.

    Run after each waitlisting and each cancellation, in a transaction of its own; safe to
    run any time (nothing free or nobody waiting: nothing changes).
    """
    if isinstance(target, Event):
        promoted = fill_event(target.id)
        sessions = {r.session_id for reg in promoted for r in reg.reservations
                    if r.status == WAITLISTED}
    else:
        promoted = fill_session(target.id)
        sessions = set()
    db.session.commit()
    for session_id in sorted(sessions):
        fill_session(session_id)
        db.session.commit()
    return promoted


def settle(event_id: int | None, session_ids: set[int] | list[int]) -> None:
    """After a commit: fill the event's and the sessions' waitlists, each in its own
    transaction (see the module docstring for the race this closes).

    The change itself is committed already, so a database failure here is logged, not
    raised: the next fill (any cancellation, any waitlisting, or `flask festa waitlists
    fill`) hands the seats over just the same.
    """
    try:
        if event_id is not None:
            fill_from_waitlist(db.session.get(Event, event_id))
        for session_id in sorted(set(session_ids)):
            fill_from_waitlist(db.session.get(Session, session_id))
    except sa.exc.SQLAlchemyError:
        _fill_failed()


def _fill_failed() -> None:
    db.session.rollback()
    current_app.logger.exception("waitlist fill failed; it runs again with the next change")


def fill_all(event: Event) -> int:
    """Fill the event's waitlist and every reservable session's; how many moved up."""
    moved = len(fill_from_waitlist(event))
    session_ids = db.session.scalars(sa.select(Session.id).where(
        Session.event_id == event.id, Session.reservation_required.is_(True))).all()
    for session_id in session_ids:
        moved += len(fill_from_waitlist(db.session.get(Session, session_id)))
    return moved


def promote(registration: Registration) -> None:
    """Off the event's waitlist: confirmed, with a ticket and a mail. Called with the
    event's row locked; the caller commits."""
    registration.status = CONFIRMED
    issue_ticket(registration)
    queue_registration_mail(registration, "promoted")


def promote_reservation(reservation: Reservation) -> None:
    """Off a session's waitlist (the session's row is locked); the caller commits."""
    reservation.status = CONFIRMED
    reservation.waitlisted_at = None
    queue_registration_mail(reservation.registration, "session_promoted",
                            session=reservation.session)
