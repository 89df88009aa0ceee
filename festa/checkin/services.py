"""Deciding scans at the door: the one function the scan API and offline sync share.

`decide_scan` answers with one of the contract's results (ScanResult) and records the
scan, failed ones too, in its own transaction. The signature is verified here, in Python;
everything else (the rules that read the ticket, the presence, the counters, the scan row
with its answer) is one statement on PostgreSQL (festa.checkin.recording, where the
guarantees under concurrency are explained): a scan is one round trip. Those who listen
for `checkin_created` (webhooks) add their rows to the same transaction after it; when
nobody would (`festa.signals.listening`), PostgreSQL commits the scan with its statement.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from festa.auth.models import User
from festa.checkin.devices import device_for_token, entrance_checkpoint  # noqa: F401 (interface)
from festa.checkin.models import ScanResult
from festa.checkin.outcome import Admitted, ScanOutcome
from festa.checkin.recording import (
    CHECKPOINT_CLOSED,
    EXITS_NOT_COUNTED,
    NO_CHECKPOINT,
    Decision,
    ScanRequest,
    record_scan,
)
from festa.checkin.undo import scan_for_undo, undo_scan  # noqa: F401 (interface)
from festa.core.inputs import storable
from festa.dbtypes import utcnow
from festa.errors import FestaError
from festa.extensions import db
from festa.signals import checkin_created, listening, send
from festa.tickets.codes import InvalidCode, extract_code, verify_code
from festa.tickets.models import Ticket

DIRECTIONS = ("entry", "exit")
MODES = ("online", "offline")


class Door(Protocol):
    """A checkpoint as a scan needs it: a Checkpoint, or the DoorCheckpoint kept per
    process (festa.checkin.devices). Its rules are read fresh by the scan itself."""

    id: int


class Scanner(Protocol):
    id: int


def ticket_code(ticket_id: int) -> str:
    """The code of the ticket a door search found, so a scan by ticket id follows exactly
    the rules of a scan by code; an unknown id gives a code that is refused as invalid."""
    code = db.session.scalar(sa.select(Ticket.code).where(Ticket.id == ticket_id))
    return code or f"unknown-ticket-{ticket_id}"


def decide_scan(checkpoint: Door, code: str, direction: str = "entry",
                scanned_at: datetime | None = None, client_scan_id: str | None = None,
                device: Scanner | None = None, user: User | None = None,
                mode: str = "online") -> ScanOutcome:
    """Decide whether to let the holder of `code` through `checkpoint`, record the scan
    and commit. A repeated `client_scan_id` returns the first answer and records nothing.

    `direction` "exit" (only where the checkpoint counts exits) lets a valid ticket out.
    `scanned_at` is when the scan happened (offline scanners sync later); default now.
    """
    if direction not in DIRECTIONS:
        raise FestaError("validation_error", "direction must be entry or exit.", status=422,
                         fields={"direction": ["Must be one of: entry, exit."]})
    now = utcnow()
    code = storable(extract_code(code))[:300]
    try:
        claims = verify_code(code)
    except InvalidCode:
        claims = None
    request = ScanRequest(
        checkpoint_id=checkpoint.id, code=code, direction=direction,
        scanned_at=min(scanned_at or now, now),  # a fast clock cannot date the future
        recorded_at=now, mode=mode if mode in MODES else "online",
        client_scan_id=client_scan_id or None, device_id=device.id if device else None,
        user_id=user.id if user else None, ticket_id=claims.ticket_id if claims else None,
        event_id=claims.event_id if claims else None, entrance_label=_("Entrance"))
    try:
        decision = _decide(request)
    except IntegrityError:
        # The same client_scan_id arrived twice at once: the first one's answer stands.
        db.session.rollback()
        if not request.client_scan_id:
            raise
        decision = _decide(request)
    return ScanOutcome(result=decision.result, response=decision.response,
                       scan_id=decision.scan_id, ticket_id=decision.ticket_id,
                       replayed=decision.replayed)


def _decide(request: ScanRequest) -> Decision:
    """Record the scan, tell who listens when someone was let in, commit."""
    # Alone when no transaction is going (nothing of the caller's to join) and nobody would
    # add rows to the scan's: PostgreSQL then commits it with its one statement.
    alone = not db.session().in_transaction() and not _heard(request)
    decision = record_scan(request, alone=alone)
    _refuse(decision.result)
    if (decision.result == ScanResult.OK and request.direction == "entry"
            and not decision.replayed and not alone):
        send(checkin_created, Admitted(id=decision.scan_id),
             ticket=Admitted(id=decision.ticket_id, registration_id=decision.registration_id),
             checkpoint=Admitted(id=request.checkpoint_id, event_id=decision.event_id))
    if not decision.committed:
        db.session.commit()
    return decision


def _heard(request: ScanRequest) -> bool:
    """Whether `checkin_created` could be sent with rows added: only an entry with a
    genuine code lets someone in, and then at the event its signature names."""
    return (request.direction == "entry" and request.event_id is not None
            and listening(checkin_created, event_id=request.event_id))


def _refuse(result: str) -> None:
    """The checkpoint itself refuses (nothing was recorded)."""
    if result == NO_CHECKPOINT:
        db.session.rollback()
        raise FestaError("not_found", "No such checkpoint.", status=404)
    if result == EXITS_NOT_COUNTED:
        db.session.rollback()
        raise FestaError("validation_error", "This checkpoint does not count exits.",
                         status=422, fields={"direction": ["This checkpoint counts entries only."]})
    if result == CHECKPOINT_CLOSED:
        db.session.rollback()
        raise FestaError("checkpoint_closed", "This checkpoint is closed.", status=409)


__all__ = ["ScanOutcome", "decide_scan", "device_for_token", "entrance_checkpoint",
           "scan_for_undo", "undo_scan"]
