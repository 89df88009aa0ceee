"""Recording one new registration in the database, after its inputs were validated: one
statement on PostgreSQL, the same steps one by one on SQLite. SQLAlchemy Core only.

On PostgreSQL `festa_register()` (installed by the migration registration_in_one_statement)
takes the registration and runs, inside the server, exactly the steps `_on_sqlite` runs
here (one round trip):

* the event's seat counter row is locked first, whether a seat is free or not. A seat is
  taken under that lock, so it is never oversold (see festa.registration.seat_counters).
  Because a full event is locked too, a cancellation's waitlist fill runs either before
  (its freed seat is seen here) or after (it sees this registration waiting): no seat stays
  free while someone waits, and no fill is needed after the commit;
* the registration row: confirmed, or at the back of the event's waitlist, its
  `waitlisted_at` read from the clock under the lock (the line's order is the order of the
  locks) and its place counted then;
* each chosen session in ascending id order (the lock order): a seat, or the back of the
  session's line (its counter locked the same way); while the person waits for the event,
  every reservation waits too, with no place in a session's line yet
  (festa.registration.waitlist);
* when confirmed, the ticket with its signed code: its id was taken ahead from the
  tickets' sequence and the code signed in Python. A seat found free without an id taken
  ahead (the event looked full when it was read) writes nothing and asks for one
  (`needs_ticket`); the call is then repeated with one;
* the mail row (ids only; the outbox worker renders it after the commit).

A second registration of the same address fails on the unique key (IntegrityError) and
writes nothing. When nothing else joins the transaction the statement runs alone
(autocommit): the event's row is locked only while the function runs.

SQLite has one writer at a time: the first UPDATE of the event's counter takes the write
lock (the driver begins the transaction there), so the steps after it run alone.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from types import SimpleNamespace

import sqlalchemy as sa

from festa.core.transactions import AUTOCOMMIT, autocommitting
from festa.dbtypes import utcnow
from festa.extensions import db
from festa.outbox.models import OutboxKind, OutboxMessage, OutboxStatus
from festa.program.models import Event, Session
from festa.registration import seat_counters
from festa.registration.models import Registration, RegistrationStatus, Reservation
from festa.registration.waitlist import before, event_ahead, session_queue
from festa.tickets.codes import sign_ticket
from festa.tickets.models import Ticket, TicketStatus

CONFIRMED = RegistrationStatus.CONFIRMED
WAITLISTED = RegistrationStatus.WAITLISTED
CONSENT_VERSION = "2025-01"  # the privacy notice the consent was given to


@dataclass(frozen=True)
class NewRegistration:
    """A validated registration to record. `session_ids`: distinct, ascending;
    `ticket_id`: an id taken ahead from the tickets' sequence (PostgreSQL), if any."""

    event_id: int
    name: str
    email: str
    organization: str
    locale: str
    source: str
    agenda_token: str
    now: datetime
    session_ids: tuple[int, ...] = ()
    ticket_id: int | None = None


@dataclass(frozen=True)
class SessionSeat:
    session_id: int
    reservation_id: int
    status: str
    position: int | None  # place in the session's line, when in it
    waitlisted_at: datetime | None


@dataclass(frozen=True)
class Recorded:
    """What was written: the registration's id, status and place on the event's waitlist,
    its ticket (id, code, key id) when confirmed, its session reservations in id order."""

    id: int
    status: str
    position: int | None
    waitlisted_at: datetime | None
    ticket: tuple[int, str, int] | None
    sessions: tuple[SessionSeat, ...]
    committed: bool = False  # recorded alone and committed already (record_registration)


def record_registration(new: NewRegistration, *, alone: bool = False) -> Recorded:
    """Decide and record a new registration in the current transaction (the caller
    commits), or, with `alone` (nothing else joins it; the session has no transaction
    going, or one in autocommit), as a transaction of its own that PostgreSQL commits as
    the statement ends (`Recorded.committed`; SQLite's still needs the caller's commit).
    Raises IntegrityError when the address is registered already."""
    bind = db.session.get_bind()
    if bind.dialect.name != "postgresql":
        return _on_sqlite(new)
    if not alone:
        return _on_postgresql(db.session.connection(), new)
    if autocommitting():  # the session's own connection (core.transactions.read_in_autocommit)
        return replace(_on_postgresql(db.session.connection(), new), committed=True)
    with bind.connect().execution_options(**AUTOCOMMIT) as connection:
        return replace(_on_postgresql(connection, new), committed=True)


# Sent as it is (no SQL built and compiled per registration); psycopg prepares it on the
# server after a few uses on a connection (DB_PREPARE_THRESHOLD), the driver decodes the JSON.
FESTA_REGISTER = ("SELECT festa_register(%s::integer, %s::text, %s::text, %s::text, %s::text, "
                  "%s::text, %s::text, %s::timestamp, %s::integer[], %s::integer, %s::text, "
                  "%s::integer)")
NEW_TICKET_ID = "SELECT nextval(pg_get_serial_sequence('tickets', 'id'))"


def _on_postgresql(connection: sa.Connection, new: NewRegistration) -> Recorded:
    while True:
        code, key_id = (sign_ticket(new.ticket_id, new.event_id) if new.ticket_id is not None
                        else (None, None))
        answer = connection.exec_driver_sql(FESTA_REGISTER, (
            new.event_id, new.name, new.email, new.organization, new.locale, new.source,
            new.agenda_token, _naive(new.now), list(new.session_ids), new.ticket_id, code,
            key_id)).scalar_one()
        if not answer.get("needs_ticket"):
            break
        new = replace(new, ticket_id=connection.exec_driver_sql(NEW_TICKET_ID).scalar_one())
    sessions = tuple(SessionSeat(s["id"], s["reservation_id"], s["status"], s["position"],
                                 _aware(s["waitlisted_at"])) for s in answer["sessions"])
    confirmed = answer["status"] == CONFIRMED
    if confirmed:  # loaded copies forget the counters the function moved
        seat_counters.forget_count(Event, new.event_id)
        for seat in sessions:
            if seat.status == CONFIRMED:
                seat_counters.forget_count(Session, seat.session_id)
    return Recorded(answer["id"], answer["status"], answer["position"],
                    _aware(answer["waitlisted_at"]),
                    (new.ticket_id, code, key_id) if confirmed else None, sessions)


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _aware(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


# ------------------------------------------------------------------ SQLite: step by step


def _insert(table: sa.Table, **values) -> int:
    return db.session.execute(sa.insert(table).values(**values)).inserted_primary_key[0]


def _on_sqlite(new: NewRegistration) -> Recorded:
    now = new.now
    seat_counters.lock_counter(Event, new.event_id)  # the write lock, full or not
    free = seat_counters.take_seat(Event, new.event_id)
    status = CONFIRMED if free else WAITLISTED
    waitlisted_at = None if free else utcnow()
    registration_id = _insert(
        Registration.__table__, event_id=new.event_id, name=new.name, email=new.email,
        organization=new.organization, locale=new.locale, status=status,
        waitlisted_at=waitlisted_at, source=new.source, consent_at=now,
        consent_version=CONSENT_VERSION, secret_version=0, agenda_token=new.agenda_token,
        created_at=now, updated_at=now)
    position = None
    if not free:
        place = Recorded(registration_id, status, None, waitlisted_at, None, ())
        position = db.session.scalar(event_ahead(new.event_id, place)) + 1
    sessions = tuple(_session_seat(registration_id, session_id, free, now)
                     for session_id in new.session_ids)
    ticket = None
    if free:
        ticket_id = _insert(Ticket.__table__, registration_id=registration_id,
                            event_id=new.event_id, code=f"pending-{registration_id}", key_id=0,
                            status=TicketStatus.VALID, issued_at=now, revoked_reason="")
        code, key_id = sign_ticket(ticket_id, new.event_id)
        db.session.execute(sa.update(Ticket.__table__).where(Ticket.__table__.c.id == ticket_id)
                           .values(code=code, key_id=key_id))
        ticket = (ticket_id, code, key_id)
    _insert(OutboxMessage.__table__, kind=OutboxKind.MAIL,
            topic="confirmation" if free else "waitlisted", recipient=new.email, subject="",
            event_id=new.event_id, registration_id=registration_id,
            status=OutboxStatus.PENDING, attempts=0, next_attempt_at=now, last_error="",
            created_at=now)
    return Recorded(registration_id, status, position, waitlisted_at, ticket, sessions)


def _session_seat(registration_id: int, session_id: int, event_seat: bool, now: datetime
                  ) -> SessionSeat:
    status, waitlisted_at = WAITLISTED, None
    if event_seat:
        if seat_counters.take_seat(Session, session_id):
            status = CONFIRMED
        else:
            waitlisted_at = utcnow()
    reservation_id = _insert(Reservation.__table__, registration_id=registration_id,
                             session_id=session_id, status=status, waitlisted_at=waitlisted_at,
                             created_at=now, updated_at=now)
    position = None
    if waitlisted_at is not None:
        place = SimpleNamespace(waitlisted_at=waitlisted_at, id=reservation_id)
        ahead = session_queue().where(Reservation.session_id == session_id,
                                      before(Reservation, place))
        position = db.session.scalar(sa.select(sa.func.count()).select_from(ahead.subquery())) + 1
    return SessionSeat(session_id, reservation_id, status, position, waitlisted_at)

