"""Deciding and recording one scan in the database, after its signature was verified:
one statement on PostgreSQL, the same steps one by one on SQLite. SQLAlchemy Core only.

On PostgreSQL `festa_scan()` (installed by the migration scan_in_one_statement) takes the
request and runs, inside the server, exactly the steps `_on_sqlite` runs here: one round
trip for the whole decision. Every statement in that function sees a new snapshot (READ
COMMITTED), so each step sees what it waited for, as statements sent one by one would:

* a first entry inserts the presence row (primary key ticket+checkpoint) with
  `INSERT … ON CONFLICT DO NOTHING`; a re-entry flips `inside` with a conditional UPDATE
  (`WHERE NOT inside`). Whoever changes the row wins; the other sees 0 rows changed and
  answers `already_checked_in`: two gates scanning one ticket at once get exactly one `ok`;
* counters move only by conditional UPDATEs (`inside_count < capacity`), in checkpoint-id
  order, LAST (the door's row stays locked until the commit); a full room takes back what
  the scan claimed, within the statement;
* the scan row, with the answer kept for `client_scan_id` replays, is written with it. The
  same `client_scan_id` arriving twice at once: the second one's INSERT fails on the unique
  key after the first commits, and the caller asks again (a replay).

When nothing else joins the scan's transaction, the statement is sent alone (autocommit):
the counter row is then locked only until the function returns, not across a round trip.

SQLite has one writer at a time: the scan row is inserted first, which takes the write
lock (pysqlite begins the transaction there), so the steps after it run alone; the answer
is written last. Both paths are held to the same table of rules on both databases
(tests/checkin/scan_rules.json, test_scan_parity.py, test_decide.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

import sqlalchemy as sa

from festa.checkin.models import Admits, Checkpoint, Presence, Scan, ScanResult
from festa.checkin.presence import (
    adjust_counts,
    claim_presence,
    inside_now,
    leave_other_rooms,
    release_presence,
    restore_rooms,
)
from festa.core.transactions import AUTOCOMMIT
from festa.extensions import db
from festa.registration.models import Registration, RegistrationStatus, Reservation
from festa.tickets.models import Ticket, TicketStatus

# Results that are not scans: the checkpoint itself refuses, nothing is recorded.
NO_CHECKPOINT = "no_checkpoint"
CHECKPOINT_CLOSED = "checkpoint_closed"
EXITS_NOT_COUNTED = "exits_not_counted"


@dataclass(frozen=True)
class ScanRequest:
    """One scan as the door saw it; `ticket_id`/`event_id` are what the verified signature
    says (None: not a genuine code)."""

    checkpoint_id: int
    code: str
    direction: str
    scanned_at: datetime
    recorded_at: datetime
    mode: str
    client_scan_id: str | None
    device_id: int | None
    user_id: int | None
    ticket_id: int | None
    event_id: int | None
    entrance_label: str  # "Entrance" in the request's language (for `previous`)


@dataclass(frozen=True)
class Decision:
    result: str
    response: dict
    scan_id: int | None = None
    ticket_id: int | None = None
    registration_id: int | None = None
    event_id: int | None = None
    replayed: bool = False
    committed: bool = False  # recorded alone and committed already (see record_scan)


def record_scan(request: ScanRequest, *, alone: bool = False) -> Decision:
    """Decide the scan and record it in the current transaction (the caller commits).

    `alone`: nothing else will join this transaction (the session has none going, nobody
    will add rows), so on PostgreSQL the statement is its own transaction, committed by the
    server as it ends (`Decision.committed`): the door's counter row stays locked for
    microseconds instead of a round trip and whatever the app does before its COMMIT.
    """
    bind = db.session.get_bind()
    if bind.dialect.name != "postgresql":
        return _on_sqlite(request)
    if not alone:
        return _answer(db.session.connection().exec_driver_sql(
            FESTA_SCAN, _arguments(request)).scalar_one())
    with bind.connect().execution_options(**AUTOCOMMIT) as connection:
        answer = connection.exec_driver_sql(FESTA_SCAN, _arguments(request)).scalar_one()
    return replace(_answer(answer), committed=True)


# Sent as it is (no SQL built and compiled per scan); psycopg prepares it on the server
# after a few uses on a connection (DB_PREPARE_THRESHOLD), the driver decodes the JSON.
FESTA_SCAN = ("SELECT festa_scan(%s::integer, %s::text, %s::text, %s::timestamp, "
              "%s::timestamp, %s::text, %s::text, %s::integer, %s::integer, %s::integer, "
              "%s::integer, %s::text)")


def _arguments(r: ScanRequest) -> tuple:
    return (r.checkpoint_id, r.code, r.direction, _naive(r.scanned_at),
            _naive(r.recorded_at), r.mode, r.client_scan_id, r.device_id, r.user_id,
            r.ticket_id, r.event_id, r.entrance_label)


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _answer(answer: dict) -> Decision:
    return Decision(result=answer["result"], response=answer.get("response") or {},
                    scan_id=answer.get("scan_id"), ticket_id=answer.get("ticket_id"),
                    registration_id=answer.get("registration_id"),
                    event_id=answer.get("event_id"), replayed=bool(answer.get("replayed")))


# ------------------------------------------------------------------ SQLite: step by step


@dataclass
class _Ticket:
    id: int
    registration_id: int
    name: str


def _on_sqlite(r: ScanRequest) -> Decision:
    checkpoint = db.session.execute(sa.select(*Checkpoint.__table__.c).where(
        Checkpoint.id == r.checkpoint_id)).first()
    if checkpoint is None:
        return Decision(result=NO_CHECKPOINT, response={})
    if r.direction == "exit" and not checkpoint.counts_exits:
        return Decision(result=EXITS_NOT_COUNTED, response={})
    if not checkpoint.active:
        return Decision(result=CHECKPOINT_CLOSED, response={})
    if r.client_scan_id:
        prior = db.session.execute(sa.select(Scan.id, Scan.result, Scan.response,
                                             Scan.ticket_id).where(
            Scan.checkpoint_id == checkpoint.id, Scan.client_scan_id == r.client_scan_id)
        ).first()
        if prior is not None:
            return Decision(result=prior.result, response=dict(prior.response or {}),
                            scan_id=prior.id, ticket_id=prior.ticket_id,
                            event_id=checkpoint.event_id, replayed=True)
    result, ticket = _check(checkpoint, r)
    scan_id = db.session.execute(sa.insert(Scan).values(
        checkpoint_id=checkpoint.id, ticket_id=ticket.id if ticket else None, code=r.code,
        direction=r.direction, result="pending", mode=r.mode, scanned_at=r.scanned_at,
        recorded_at=r.recorded_at, client_scan_id=r.client_scan_id, device_id=r.device_id,
        user_id=r.user_id, response={})).inserted_primary_key[0]
    inside = None
    if result is None and r.direction == "exit":
        result, inside = _exit(checkpoint, ticket, r, scan_id)
    elif result is None:
        result, inside = _enter(checkpoint, ticket, r, scan_id)
    response = _response(checkpoint, ticket, r, scan_id, result, inside)
    db.session.execute(sa.update(Scan).where(Scan.id == scan_id)
                       .values(result=result, response=response))
    return Decision(result=result, response=response, scan_id=scan_id,
                    ticket_id=ticket.id if ticket else None,
                    registration_id=ticket.registration_id if ticket else None,
                    event_id=checkpoint.event_id)


def _check(checkpoint, r: ScanRequest) -> tuple[str | None, _Ticket | None]:
    """The rules that only read, in order: a genuine code, this event, a live ticket,
    admitted here. None: up to the door itself (already inside, room full)."""
    if r.ticket_id is None:
        return ScanResult.INVALID, None
    if r.event_id != checkpoint.event_id:
        return ScanResult.WRONG_EVENT, None
    row = db.session.execute(
        sa.select(Ticket.code, Ticket.event_id, Ticket.status, Ticket.registration_id,
                  Registration.name, Registration.status.label("registration_status"))
        .join(Registration, Registration.id == Ticket.registration_id)
        .where(Ticket.id == r.ticket_id)).first()
    if row is None or row.code != r.code or row.event_id != r.event_id:
        return ScanResult.INVALID, None
    ticket = _Ticket(id=r.ticket_id, registration_id=row.registration_id, name=row.name)
    if row.status != TicketStatus.VALID or row.registration_status != RegistrationStatus.CONFIRMED:
        return ScanResult.REVOKED, ticket
    if r.direction == "entry" and checkpoint.admits == Admits.RESERVATION and not (
            db.session.scalar(sa.select(sa.func.count(Reservation.id)).where(
                Reservation.registration_id == ticket.registration_id,
                Reservation.session_id == checkpoint.session_id,
                Reservation.status == RegistrationStatus.CONFIRMED))):
        return ScanResult.NOT_ALLOWED, ticket
    return None, ticket


def _enter(checkpoint, ticket: _Ticket, r: ScanRequest, scan_id: int
           ) -> tuple[str, int | None]:
    created = claim_presence(ticket.id, checkpoint.id, r.scanned_at, scan_id)
    if created is None:
        return ScanResult.ALREADY_CHECKED_IN, None
    moved_from = [] if checkpoint.is_entrance else leave_other_rooms(
        ticket.id, checkpoint, r.scanned_at, scan_id)
    counts = adjust_counts(checkpoint.id, moved_from)  # last (see the top)
    if counts is None:  # full after all: take back what this scan claimed
        release_presence(ticket.id, checkpoint.id, created)
        restore_rooms(ticket.id, moved_from)
        return ScanResult.ROOM_FULL, None
    return ScanResult.OK, counts[checkpoint.id]


def _exit(checkpoint, ticket: _Ticket, r: ScanRequest, scan_id: int
          ) -> tuple[str, int | None]:
    """Let a valid ticket out; the count drops only if the holder was counted inside."""
    changed = db.session.execute(
        sa.update(Presence)
        .where(Presence.ticket_id == ticket.id, Presence.checkpoint_id == checkpoint.id,
               Presence.inside.is_(True))
        .values(inside=False, last_change_at=r.scanned_at, last_scan_id=scan_id)
        .execution_options(synchronize_session=False)
    ).rowcount
    inside = adjust_counts(None, [checkpoint.id]).get(checkpoint.id) if changed else None
    return ScanResult.OK, inside


def _label(checkpoint, entrance_label: str) -> str:
    if checkpoint.is_entrance and checkpoint.name == "Entrance":
        return entrance_label
    return checkpoint.name


def _previous(checkpoint, ticket: _Ticket, r: ScanRequest) -> dict | None:
    """When and where the holder got in (the scan that made them present here)."""
    row = db.session.execute(
        sa.select(Scan.scanned_at, Checkpoint.name, Checkpoint.is_entrance)
        .join(Checkpoint, Checkpoint.id == Scan.checkpoint_id)
        .join(Presence, Presence.last_scan_id == Scan.id)
        .where(Presence.ticket_id == ticket.id, Presence.checkpoint_id == checkpoint.id)
    ).first()
    if row is not None:
        return {"at": row.scanned_at.isoformat(), "checkpoint": _label(row, r.entrance_label)}
    at = db.session.scalar(sa.select(Presence.last_change_at).where(
        Presence.ticket_id == ticket.id, Presence.checkpoint_id == checkpoint.id))
    if at is None:
        return None
    return {"at": at.isoformat(), "checkpoint": _label(checkpoint, r.entrance_label)}


def _response(checkpoint, ticket: _Ticket | None, r: ScanRequest, scan_id: int, result: str,
              inside: int | None) -> dict:
    """The answer the caller gets (kept for replays); festa_scan() builds the same."""
    response: dict = {"result": str(result), "scan_id": scan_id}
    if ticket is not None:
        response["attendee"] = {"name": ticket.name}
    if result == ScanResult.ALREADY_CHECKED_IN and (
            previous := _previous(checkpoint, ticket, r)):
        response["previous"] = previous
    if checkpoint.print_badges and ticket is not None and result in (
            ScanResult.OK, ScanResult.ALREADY_CHECKED_IN):  # the desk prints (or reprints)
        response["badge"] = f"/registrations/{ticket.registration_id}/badge.pdf"
    if inside is None and result not in (ScanResult.INVALID, ScanResult.WRONG_EVENT):
        inside = inside_now(checkpoint.id)
    if inside is not None:
        response["inside"] = inside
    return response
