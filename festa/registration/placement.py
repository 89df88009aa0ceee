"""Seating a new registration: hope, prepare, then take the seats last.

Taking a seat locks its counter row until the commit, and every registration takes the
same event row. So the seats are hoped for from a plain read, everything the outcome needs
is written while no lock is held, and the UPDATEs that take the seats are the last
statements before the commit (see festa.registration.seat_counters for why they cannot
oversell).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from festa.audit.services import record
from festa.auth.models import User
from festa.dbtypes import utcnow
from festa.extensions import db
from festa.program.models import Event, Session
from festa.registration import seat_counters
from festa.registration.mail import queue_registration_mail
from festa.registration.models import Registration, RegistrationStatus, Reservation
from festa.signals import registration_created, send
from festa.tickets.services import issue_ticket

CONFIRMED = RegistrationStatus.CONFIRMED
WAITLISTED = RegistrationStatus.WAITLISTED


def hope_for_seats(registration: Registration, reservations: list[Reservation]) -> bool:
    """Statuses as the counters look now (a plain read: it only chooses what to prepare).
    True when the event seems to have a seat."""
    now = utcnow()
    if not seat_counters.looks_free(Event, registration.event_id):
        _waitlist(registration, reservations, now)
        return False
    registration.status = CONFIRMED
    for reservation in reservations:
        if seat_counters.looks_free(Session, reservation.session.id):
            reservation.status = CONFIRMED
        else:
            reservation.waitlisted_at = now
    return True


def _waitlist(registration: Registration, reservations: list[Reservation], now: datetime
              ) -> None:
    registration.status, registration.waitlisted_at = WAITLISTED, now
    for reservation in reservations:  # they wait for the event seat first
        reservation.status, reservation.waitlisted_at = WAITLISTED, None


def seat_new_registration(registration: Registration, reservations: list[Reservation],
                          hoped: bool, by: User | None, ticket_id: int | None = None) -> None:
    """Take the event seat, then each session's in id order (or join the waitlists).

    Everything the registration's outcome needs (the ticket, the confirmation mail with its
    QR code and calendar, the webhooks, the audit entry) is written first, while the seats
    merely look free. Taking a seat locks its counter row (everybody's event row) until the
    commit, so the UPDATEs that take the seats come last, right before the commit. They
    alone decide: when the event turns out full after all, the prepared rows are thrown
    away and the person is waitlisted (no lock is held then). `ticket_id`: an id taken
    ahead for the ticket (then it is written with the others, in the same flush).
    """
    if hoped:
        ticket = issue_ticket(registration, ticket_id)
        prepared = _announce(registration, "confirmation", by)
        db.session.flush()
        if seat_counters.take_seat(Event, registration.event_id):
            if _take_session_seats(reservations):  # a session filled up meanwhile
                _discard_all(prepared)
                _announce(registration, "confirmation", by)
            return
        _discard_all([*prepared, ticket])
        db.session.flush()
        db.session.expire(registration, ["ticket"])
        _waitlist(registration, reservations, utcnow())
    _announce(registration, "waitlisted", by)


def _announce(registration: Registration, mail_topic: str, by: User | None) -> list:
    """The mail, what the listeners of registration_created add (webhooks) and (for an
    organizer) the audit entry saying how the registration went; returns them, to take
    back if that changes."""
    rows = [queue_registration_mail(registration, mail_topic),
            *send(registration_created, registration)]
    if by is not None:
        rows.append(record("registration.create", registration, user_id=by.id,
                           details={"source": registration.source,
                                    "status": registration.status}))
    return rows


def _take_session_seats(reservations: list[Reservation]) -> bool:
    """Take the seats of the reservations hoped for; True if one turned out full."""
    changed = False
    for reservation in reservations:
        if (reservation.status == CONFIRMED
                and not seat_counters.take_seat(Session, reservation.session.id)):
            reservation.status, reservation.waitlisted_at = WAITLISTED, utcnow()
            changed = True
    return changed


def _discard_all(objects: list) -> None:
    """Undo objects added in this transaction (pending or already flushed)."""
    for obj in objects:
        if sa.inspect(obj).pending:
            db.session.expunge(obj)
        else:
            db.session.delete(obj)
