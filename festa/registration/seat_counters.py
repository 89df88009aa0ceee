"""Seat counters: taking, giving back and locking the seats of events and sessions.

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

This module only counts seats and answers whether one was taken; who gets a freed seat
is festa.registration.promotion's business, and the mail about it the caller's.
"""

from __future__ import annotations

import sqlalchemy as sa

from festa.extensions import db
from festa.program.models import Event, Session

CounterModel = type[Event] | type[Session]


def _counter_update(model: CounterModel, row_id: int, *conditions, **values) -> int:
    # A seat count is not a change of the event or session: `updated_at` (the calendars'
    # DTSTAMP/LAST-MODIFIED, and so the feeds' ETag) keeps its value instead of `onupdate`.
    statement = (
        sa.update(model)
        .where(model.id == row_id, *conditions)
        .values(updated_at=model.updated_at, **values)
        .execution_options(synchronize_session=False)
    )
    return db.session.execute(statement).rowcount


def forget_count(model: CounterModel, row_id: int) -> None:
    """Loaded copies of the row forget their counter; the next read sees the database."""
    obj = db.session.identity_map.get(sa.inspect(model).identity_key_from_primary_key((row_id,)))
    if obj is not None:
        db.session.expire(obj, ["seats_taken"])


def has_free_seat(model: CounterModel) -> sa.ColumnElement[bool]:
    """The condition of `take_seat`: unlimited, or fewer seats taken than there are."""
    return sa.or_(model.capacity.is_(None), model.seats_taken < model.capacity)


def take_seat(model: CounterModel, row_id: int) -> bool:
    """Take one seat of an event or session if one is free (the atomic conditional UPDATE)."""
    taken = _counter_update(
        model, row_id, has_free_seat(model), seats_taken=model.seats_taken + 1,
    ) == 1
    forget_count(model, row_id)
    return taken


def release_seat(model: CounterModel, row_id: int) -> None:
    """Give one seat back (never below zero)."""
    _counter_update(model, row_id, model.seats_taken > 0, seats_taken=model.seats_taken - 1)
    forget_count(model, row_id)


def lock_counter(model: CounterModel, row_id: int) -> None:
    """Lock the counter row until commit: a row lock on PostgreSQL, the write lock on SQLite."""
    _counter_update(model, row_id, seats_taken=model.seats_taken)
