"""Moving people up: free seats go to the first in line, who get a ticket and a mail.

One window stays open by design: a registration inserted as waitlisted (its UPDATE matched
nothing, so it took no lock) may commit just after a cancellation freed a seat and found
nobody waiting. `fill_from_waitlist` closes it: idempotent, it runs after every waitlisting
and every cancellation, each time in a transaction of its own. Locks follow the order
explained in festa.registration.seat_counters.
"""

from __future__ import annotations

from functools import cache
from types import SimpleNamespace

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased

from festa.dbtypes import utcnow
from festa.extensions import db
from festa.program.models import Event, Session
from festa.registration import seat_counters
from festa.registration.mail import queue_registration_mail
from festa.registration.models import Registration, RegistrationStatus, Reservation
from festa.registration.waitlist import event_ahead, session_queue
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


@cache
def _after_waitlisting() -> sa.Select:
    """The follow-up of a waitlisting (settle_waitlisted), built once (at first use: the
    mappers are configured then): whether the event has a seat free, the registration's
    status, and how many wait ahead of it."""
    event_id, registration_id = sa.bindparam("event_id"), sa.bindparam("registration_id")
    me = aliased(Registration)  # the count reads registrations, not correlated to this one
    place = SimpleNamespace(waitlisted_at=sa.bindparam("waitlisted_at"), id=registration_id)
    return sa.select(
        sa.select(seat_counters.has_free_seat(Event)).where(Event.id == event_id)
        .scalar_subquery(),
        me.status,
        event_ahead(event_id, place).scalar_subquery(),
    ).where(me.id == registration_id)


def settle_waitlisted(registration: Registration) -> int | None:
    """`settle` after a new registration (with no session reservations) was waitlisted and
    committed, in one statement when nothing is to be filled; returns its place on the
    event's waitlist, or None when its state was read again (expired) since.

    The statement reads whether the event has a seat free, the registration's status and
    how many wait ahead of it. A read of the committed counter answers as `take_seat`'s
    UPDATE would (on PostgreSQL an UPDATE whose condition is false for the committed row
    skips it without waiting; SQLite reads the committed database), so only a free seat
    needs the fill. Moved on meanwhile (another change's fill promoted it): read again.
    """
    event_id = registration.event_id
    try:
        seat_free, status, ahead = db.session.execute(_after_waitlisting(), {
            "event_id": event_id, "registration_id": registration.id,
            "waitlisted_at": registration.waitlisted_at}).one()
    except sa.exc.SQLAlchemyError:  # as in settle: committed already, the next fill will do
        _fill_failed()
        return None
    if seat_free:
        settle(event_id, ())  # commits: everything is read again
        return None
    if status != WAITLISTED:
        db.session.expire(registration)
        return None
    return ahead + 1


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
