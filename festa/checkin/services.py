"""Deciding scans at the door: the one function the scan API and offline sync share.

`decide_scan` answers with one of the contract's results (ScanResult) and records the
scan, failed ones too, in its own transaction. The database, not luck, makes sure two
gates scanning one ticket at the same moment get exactly one `ok`:

* a first entry inserts the Presence row (primary key ticket+checkpoint) with
  `INSERT … ON CONFLICT DO NOTHING`; a re-entry flips `inside` with a conditional UPDATE
  (`WHERE inside = false`). Whoever changes the row wins, the other sees 0 rows changed;
* `Checkpoint.inside_count` moves only by conditional UPDATEs (`inside_count < capacity`),
  so a full room says `room_full` however many gates scan at once. Counters are always
  changed in checkpoint-id order, so two people crossing between two rooms cannot deadlock.

Every scan at a door changes that door's counter row, and the row stays locked until the
commit: the counters are therefore changed LAST, when everything else (the scan row, the
presence, what the listeners of checkin_created add) is written; what the counter UPDATE
finds (a full room) is then taken back within the transaction. Its RETURNING gives the
`inside` of the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from festa.auth.models import User
from festa.checkin.devices import device_for_token, entrance_checkpoint  # noqa: F401 (interface)
from festa.checkin.models import Admits, Checkpoint, Device, Presence, Scan, ScanResult
from festa.checkin.outcome import ScanOutcome
from festa.checkin.presence import (
    adjust_counts,
    claim_presence,
    inside_now,
    leave_other_rooms,
    release_presence,
    restore_rooms,
)
from festa.checkin.queries import checkpoint_label
from festa.checkin.undo import scan_for_undo, undo_scan  # noqa: F401 (interface)
from festa.core.inputs import storable
from festa.dbtypes import utcnow
from festa.errors import FestaError
from festa.extensions import db
from festa.registration.models import Registration, RegistrationStatus, Reservation
from festa.signals import checkin_created, send
from festa.tickets.codes import InvalidCode, extract_code, verify_code
from festa.tickets.models import Ticket, TicketStatus

DIRECTIONS = ("entry", "exit")
MODES = ("online", "offline")


@dataclass
class _Context:
    checkpoint: Checkpoint
    code: str
    direction: str
    at: datetime
    ticket: Ticket | None = None
    previous: dict | None = None
    inside: int | None = None  # the door's count after this scan, when it changed it


def ticket_code(ticket_id: int) -> str:
    """The code of the ticket a door search found, so a scan by ticket id follows exactly
    the rules of a scan by code; an unknown id gives a code that is refused as invalid."""
    code = db.session.scalar(sa.select(Ticket.code).where(Ticket.id == ticket_id))
    return code or f"unknown-ticket-{ticket_id}"


def decide_scan(checkpoint: Checkpoint, code: str, direction: str = "entry",
                scanned_at: datetime | None = None, client_scan_id: str | None = None,
                device: Device | None = None, user: User | None = None,
                mode: str = "online") -> ScanOutcome:
    """Decide whether to let the holder of `code` through `checkpoint`, record the scan
    and commit. A repeated `client_scan_id` returns the first answer and records nothing.

    `direction` "exit" (only where the checkpoint counts exits) lets a valid ticket out.
    `scanned_at` is when the scan happened (offline scanners sync later); default now.
    """
    if direction not in DIRECTIONS:
        raise FestaError("validation_error", "direction must be entry or exit.", status=422,
                         fields={"direction": ["Must be one of: entry, exit."]})
    if direction == "exit" and not checkpoint.counts_exits:
        raise FestaError("validation_error", "This checkpoint does not count exits.",
                         status=422, fields={"direction": ["This checkpoint counts entries only."]})
    if not checkpoint.active:
        raise FestaError("checkpoint_closed", "This checkpoint is closed.", status=409)
    if client_scan_id:
        earlier = _replay(checkpoint.id, client_scan_id)
        if earlier is not None:
            return earlier
    now = utcnow()
    at = min(scanned_at or now, now)  # a scanner's clock running fast cannot date the future
    ctx = _Context(checkpoint=checkpoint, code=storable(extract_code(code))[:300],
                   direction=direction, at=at)
    scan = Scan(checkpoint_id=checkpoint.id, code=ctx.code, direction=direction,
                result="pending", mode=mode if mode in MODES else "online", scanned_at=at,
                recorded_at=now, client_scan_id=client_scan_id or None,
                device_id=device.id if device else None, user_id=user.id if user else None)
    try:
        result = _check(ctx)
        scan.ticket_id = ctx.ticket.id if ctx.ticket else None
        db.session.add(scan)
        db.session.flush()  # claims the client_scan_id before anything else changes
        if result is None:
            result = _exit(ctx, scan) if direction == "exit" else _enter(ctx, scan)
        outcome = _finish(ctx, scan, result)
        db.session.commit()
    except IntegrityError:
        # The same client_scan_id arrived twice at once: the first one's answer stands.
        db.session.rollback()
        earlier = _replay(checkpoint.id, client_scan_id) if client_scan_id else None
        if earlier is None:
            raise
        return earlier
    return outcome


def _replay(checkpoint_id: int, client_scan_id: str) -> ScanOutcome | None:
    scan = db.session.scalar(sa.select(Scan).where(
        Scan.checkpoint_id == checkpoint_id, Scan.client_scan_id == client_scan_id))
    if scan is None:
        return None
    return ScanOutcome(result=scan.result, response=dict(scan.response), scan_id=scan.id,
                       ticket_id=scan.ticket_id, replayed=True)


def _check(ctx: _Context) -> str | None:
    """The rules that only read, in order: a genuine code, this event, a live ticket,
    admitted here. None: up to the door itself (already inside, room full)."""
    try:
        claims = verify_code(ctx.code)
    except InvalidCode:
        return ScanResult.INVALID
    if claims.event_id != ctx.checkpoint.event_id:
        return ScanResult.WRONG_EVENT
    ticket = db.session.get(Ticket, claims.ticket_id, options=[joinedload(Ticket.registration)])
    if ticket is None or ticket.code != ctx.code or ticket.event_id != claims.event_id:
        return ScanResult.INVALID
    ctx.ticket = ticket
    registration = ticket.registration
    if ticket.status != TicketStatus.VALID or registration.status != RegistrationStatus.CONFIRMED:
        return ScanResult.REVOKED
    if ctx.direction == "entry" and not _admitted(ctx.checkpoint, registration):
        return ScanResult.NOT_ALLOWED
    return None


def _admitted(checkpoint: Checkpoint, registration: Registration) -> bool:
    if checkpoint.admits != Admits.RESERVATION:
        return True
    return db.session.scalar(sa.select(sa.func.count(Reservation.id)).where(
        Reservation.registration_id == registration.id,
        Reservation.session_id == checkpoint.session_id,
        Reservation.status == RegistrationStatus.CONFIRMED,
    )) > 0


def _enter(ctx: _Context, scan: Scan) -> str:
    checkpoint, ticket = ctx.checkpoint, ctx.ticket
    created = claim_presence(ticket.id, checkpoint.id, ctx.at, scan.id)
    if created is None:
        ctx.previous = _previous_entry(ticket.id, checkpoint)
        return ScanResult.ALREADY_CHECKED_IN
    moved_from = [] if checkpoint.is_entrance else leave_other_rooms(
        ticket.id, checkpoint, ctx.at, scan.id)
    # Webhooks listen (festa.signals); what they add is taken back if the room is full.
    told = send(checkin_created, scan, ticket=ticket, checkpoint=checkpoint)
    db.session.flush()
    # Last: the door's counter row stays locked from here until the commit (see the top).
    counts = adjust_counts(checkpoint.id, moved_from)
    if counts is None:  # full after all: take back what this scan claimed
        for row in told:
            db.session.delete(row)
        release_presence(ticket.id, checkpoint.id, created)
        restore_rooms(ticket.id, moved_from)
        return ScanResult.ROOM_FULL
    ctx.inside = counts[checkpoint.id]
    return ScanResult.OK


def _exit(ctx: _Context, scan: Scan) -> str:
    """Let a valid ticket out; the count drops only if the holder was counted inside."""
    changed = db.session.execute(
        sa.update(Presence)
        .where(Presence.ticket_id == ctx.ticket.id,
               Presence.checkpoint_id == ctx.checkpoint.id, Presence.inside.is_(True))
        .values(inside=False, last_change_at=ctx.at, last_scan_id=scan.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed:
        ctx.inside = adjust_counts(None, [ctx.checkpoint.id]).get(ctx.checkpoint.id)
    return ScanResult.OK


def _previous_entry(ticket_id: int, checkpoint: Checkpoint) -> dict | None:
    """When and where the holder got in (the scan that made them present here)."""
    row = db.session.execute(
        sa.select(Scan.scanned_at, Checkpoint)
        .join(Checkpoint, Checkpoint.id == Scan.checkpoint_id)
        .join(Presence, Presence.last_scan_id == Scan.id)
        .where(Presence.ticket_id == ticket_id, Presence.checkpoint_id == checkpoint.id)
    ).first()
    if row is None:
        presence = db.session.get(Presence, (ticket_id, checkpoint.id))
        if presence is None:
            return None
        return {"at": presence.last_change_at.isoformat(),
                "checkpoint": checkpoint_label(checkpoint)}
    return {"at": row.scanned_at.isoformat(), "checkpoint": checkpoint_label(row.Checkpoint)}


def _finish(ctx: _Context, scan: Scan, result: str) -> ScanOutcome:
    """Fill in the scan row with the answer the caller gets (kept for replays)."""
    response: dict = {"result": str(result), "scan_id": scan.id}
    if ctx.ticket is not None and result != ScanResult.WRONG_EVENT:
        response["attendee"] = {"name": ctx.ticket.registration.name}
    if ctx.previous:
        response["previous"] = ctx.previous
    if ctx.checkpoint.print_badges and ctx.ticket is not None and result in (
            ScanResult.OK, ScanResult.ALREADY_CHECKED_IN):  # the desk prints (or reprints)
        response["badge"] = f"/registrations/{ctx.ticket.registration_id}/badge.pdf"
    if ctx.inside is not None:
        response["inside"] = ctx.inside
    elif result != ScanResult.INVALID and result != ScanResult.WRONG_EVENT:
        response["inside"] = inside_now(ctx.checkpoint.id)
    scan.result = str(result)
    scan.response = response
    return ScanOutcome(result=str(result), response=response, scan_id=scan.id,
                       ticket_id=scan.ticket_id)


__all__ = ["ScanOutcome", "decide_scan", "device_for_token", "entrance_checkpoint",
           "scan_for_undo", "undo_scan"]
