"""Taking back a mistaken check-in from the scanner: its own scan row and an audit entry."""

from __future__ import annotations

import sqlalchemy as sa

from festa.audit.services import record
from festa.auth.models import User
from festa.checkin.models import Checkpoint, Device, Presence, Scan, ScanResult
from festa.checkin.outcome import ScanOutcome
from festa.checkin.presence import adjust_counts, inside_now
from festa.dbtypes import utcnow
from festa.errors import FestaError
from festa.extensions import db


def undo_scan(scan: Scan, device: Device | None = None, user: User | None = None
              ) -> ScanOutcome:
    """Take back a mistaken `ok` entry: the holder is no longer counted here. The undo is
    its own scan row (direction "undo") and an audit entry; commits.

    Only the latest change of that person at that checkpoint can be undone. Someone moved
    out of another room by the mistaken scan stays out (they are at the door, after all).
    """
    if (scan.result != ScanResult.OK or scan.direction != "entry"
            or scan.undone_by_scan_id is not None or scan.ticket_id is None):
        raise FestaError("cannot_undo", "Only a check-in that was let in can be undone, once.",
                         status=409)
    checkpoint = db.session.get(Checkpoint, scan.checkpoint_id)
    undo = Scan(checkpoint_id=checkpoint.id, ticket_id=scan.ticket_id, code=scan.code,
                direction="undo", result=ScanResult.OK, mode="online",
                device_id=device.id if device else None, user_id=user.id if user else None)
    db.session.add(undo)
    db.session.flush()
    if not _release_for_undo(scan, undo):
        db.session.rollback()
        raise FestaError("cannot_undo", "This person was scanned again since; "
                         "scan them out instead.", status=409)
    scan.undone_by_scan_id = undo.id
    undo.response = {"result": "ok", "scan_id": undo.id, "undone_scan_id": scan.id,
                     "inside": inside_now(checkpoint.id)}
    record("scan.undo", scan, event_id=checkpoint.event_id,
           device_id=device.id if device else None, user_id=user.id if user else None,
           details={"scan_id": scan.id, "undo_scan_id": undo.id, "ticket_id": scan.ticket_id})
    db.session.commit()
    return ScanOutcome(result="ok", response=undo.response, scan_id=undo.id,
                       ticket_id=scan.ticket_id)


def _release_for_undo(scan: Scan, undo: Scan) -> bool:
    """Mark the holder outside (or forget them here, if this was their first entry)."""
    changed = db.session.execute(
        sa.update(Presence)
        .where(Presence.ticket_id == scan.ticket_id, Presence.checkpoint_id == scan.checkpoint_id,
               Presence.inside.is_(True), Presence.last_scan_id == scan.id)
        .values(inside=False, last_change_at=utcnow(), last_scan_id=undo.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        return False
    other_entries = db.session.scalar(sa.select(sa.func.count(Scan.id)).where(
        Scan.ticket_id == scan.ticket_id, Scan.checkpoint_id == scan.checkpoint_id,
        Scan.direction == "entry", Scan.result == ScanResult.OK, Scan.id != scan.id,
        Scan.undone_by_scan_id.is_(None)))
    if not other_entries:
        db.session.execute(sa.delete(Presence).where(
            Presence.ticket_id == scan.ticket_id, Presence.checkpoint_id == scan.checkpoint_id
        ).execution_options(synchronize_session=False))
    adjust_counts(None, [scan.checkpoint_id])
    return True


def scan_for_undo(checkpoint: Checkpoint, scan_id: int) -> Scan:
    scan = db.session.get(Scan, scan_id)
    if scan is None or scan.checkpoint_id != checkpoint.id:
        raise FestaError("not_found", "No such scan at this checkpoint.", status=404)
    return scan
