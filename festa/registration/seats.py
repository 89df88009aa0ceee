"""Seats: the counters on events and sessions, and the waitlists behind them.

Why taking a seat is race-free, on PostgreSQL and on SQLite
-----------------------------------------------------------
A seat is taken by one statement::

    UPDATE events SET seats_taken = seats_taken + 1
     WHERE id = :id AND (capacity IS NULL OR seats_taken < capacity)

rowcount 1: the seat is ours. rowcount 0: full, the person is waitlisted.

* PostgreSQL: the UPDATE locks the row it changes until the transaction ends. A second
  transaction updating the same row waits for that lock and then re-checks its WHERE
  clause against the row as committed by the first (READ COMMITTED re-evaluation). The
  test and the increment are one indivisible step, so the last seat is taken exactly once
  however many processes ask at the same moment. The CHECK constraint
  `seats_taken <= capacity` is the final guard.
* SQLite: one writer at a time. The driver opens the transaction right before the first
  write, and that write waits (busy_timeout) for the database's write lock, which it then
  holds until commit: nobody can change the counter between our check and our increment.

Lock discipline (no lost updates, no deadlocks): the status of a registration changes only
while its event's counter row is locked; the status of a reservation only while its
session's counter row is locked. Event rows are locked before session rows, sessions in
ascending id order. `lock_counter` locks a row with a no-op UPDATE (which also takes
SQLite's write lock); whatever decides the change is read again after the lock.

One window stays open by design: a registration inserted as waitlisted (its UPDATE matched
nothing, so it took no lock) may commit just after a cancellation freed a seat and found
nobody waiting. `fill_from_waitlist` closes it: idempotent, it runs after every waitlisting
and every cancellation, each time in a transaction of its own.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from festa.dbtypes import utcnow
from festa.extensions import db
from festa.outbox.mail import queue_registration_mail
from festa.program.models import Event, Session
from festa.registration.models import Registration, RegistrationStatus, Reservation
from festa.tickets.services import issue_ticket

WAITLISTED = RegistrationStatus.WAITLISTED
CONFIRMED = RegistrationStatus.CONFIRMED

CounterModel = type[Event] | type[Session]


def _counter_update(model: CounterModel, row_id: int, *conditions, **values) -> int:
    statement = (
        sa.update(model)
        .where(model.id == row_id, *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return db.session.execute(statement).rowcount


def _expire(model: CounterModel, row_id: int) -> None:
    """Loaded copies of the row forget their counter; the next read sees the database."""
    obj = db.session.identity_map.get(sa.inspect(model).identity_key_from_primary_key((row_id,)))
    if obj is not None:
        db.session.expire(obj, ["seats_taken"])


def take_seat(model: CounterModel, row_id: int) -> bool:
    """Take one seat of an event or session if one is free (the atomic conditional UPDATE)."""
    taken = _counter_update(
        model, row_id,
        sa.or_(model.capacity.is_(None), model.seats_taken < model.capacity),
        seats_taken=model.seats_taken + 1,
    ) == 1
    _expire(model, row_id)
    return taken


def release_seat(model: CounterModel, row_id: int) -> None:
    """Give one seat back (never below zero)."""
    _counter_update(model, row_id, model.seats_taken > 0, seats_taken=model.seats_taken - 1)
    _expire(model, row_id)


def looks_free(model: CounterModel, row_id: int) -> bool:
    """Whether a seat seems free right now: a plain read that only chooses what to prepare;
    `take_seat` decides. The copy this request loaded already will do (no query)."""
    obj = db.session.identity_map.get(sa.inspect(model).identity_key_from_primary_key((row_id,)))
    if obj is not None and not sa.inspect(obj).unloaded & {"capacity", "seats_taken"}:
        capacity, taken = obj.capacity, obj.seats_taken
    else:
        capacity, taken = db.session.execute(
            sa.select(model.capacity, model.seats_taken).where(model.id == row_id)
        ).one()
    return capacity is None or taken < capacity


def lock_counter(model: CounterModel, row_id: int) -> None:
    """Lock the counter row until commit: a row lock on PostgreSQL, the write lock on SQLite."""
    _counter_update(model, row_id, seats_taken=model.seats_taken)


def _before(model, row) -> sa.ColumnElement[bool]:
    """Rows ahead of `row` in a waitlist ordered by (waitlisted_at, id)."""
    return sa.or_(
        model.waitlisted_at < row.waitlisted_at,
        sa.and_(model.waitlisted_at == row.waitlisted_at, model.id < row.id),
    )


def _session_queue():
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


def event_position(registration: Registration) -> int | None:
    """1-based place on the event's waitlist: 1 + those waitlisted before (waitlisted_at, id)."""
    if registration.status != WAITLISTED or registration.waitlisted_at is None:
        return None
    ahead = db.session.scalar(
        sa.select(sa.func.count(Registration.id)).where(
            Registration.event_id == registration.event_id,
            Registration.status == WAITLISTED,
            _before(Registration, registration),
        )
    )
    return ahead + 1


def session_position(reservation: Reservation) -> int | None:
    """1-based place on a session's waitlist; None while the holder waits for the event."""
    if (reservation.status != WAITLISTED or reservation.waitlisted_at is None
            or reservation.registration.status != CONFIRMED):
        return None
    query = _session_queue().where(
        Reservation.session_id == reservation.session_id, _before(Reservation, reservation)
    )
    ahead = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    return ahead + 1


def _fill(model: CounterModel, row_id: int, line, promote_first) -> list:
    """Hand free seats to the first in `line` (a query in waitlist order), one by one.

    Each free seat is taken first (which locks the counter row), then the first in line is
    read: under the lock nobody else can promote or cancel them meanwhile. Nobody left in
    line: the seat goes back.
    """
    promoted = []
    while take_seat(model, row_id):
        first = db.session.scalar(line.limit(1).execution_options(populate_existing=True))
        if first is None:
            release_seat(model, row_id)
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
    lock_counter(Session, session_id)
    _queue_newly_confirmed(session_id)
    line = (
        _session_queue()
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
