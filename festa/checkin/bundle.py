"""What a scanner needs to decide offline: the contract's offline bundle, and the scanner's
own compact bundle, which it refreshes by deltas.

A ticket's state at a checkpoint is: admitted here (with the name to show, none once the
person's data was erased), revoked (cancelled registration or voided ticket), neither
(a valid ticket without a seat at this session's door), and inside here or not.

Deltas (`scanner_bundle(checkpoint, since)`). Every answer carries a `version`; the scanner
sends it back as `since` and gets only the tickets whose state may have changed since, each
with its whole current state, so applying a change twice is harmless. What "may have
changed" is read from the rows' own timestamps: a ticket issued or revoked, its
registration changed (cancelled, promoted, renamed, anonymised), a reservation for this
session changed, or a scan that let someone in or out anywhere in the event (another gate,
an offline scan synced late, an undo). A transaction stamps its rows before it commits, so
a delta reads from OVERLAP before the version's time: a change committed just after the
previous answer was read is never missed. The full bundle comes instead when `since` is
missing, malformed, from another checkpoint set-up (admits or session changed, another
format), from the future, older than MAX_AGE, or when more than MAX_DELTA_TICKETS changed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from festa.checkin.models import Admits, Checkpoint, Presence, Scan, ScanResult
from festa.checkin.queries import checkpoint_summary, live_ticket
from festa.dbtypes import utcnow
from festa.extensions import db
from festa.registration.models import Registration, RegistrationStatus, Reservation
from festa.tickets.codes import public_keys
from festa.tickets.models import Ticket

FORMAT = 1
OVERLAP = timedelta(minutes=2)
MAX_AGE = timedelta(hours=12)
MAX_DELTA_TICKETS = 2000


@dataclass
class TicketStates:
    """The state of some (or all) of an event's tickets at one checkpoint."""

    admitted: dict[int, str | None]  # ticket id → name to show (None once erased)
    revoked: dict[int, str]  # ticket id → code
    present: list[int]


def ticket_states(checkpoint: Checkpoint, ids: list[int] | None = None) -> TicketStates:
    """The state of the event's tickets here: all of them, or only those in `ids`."""
    if ids == []:
        return TicketStates(admitted={}, revoked={}, present=[])
    only = (lambda column: column.in_(ids)) if ids is not None else (lambda column: sa.true())
    rows = db.session.execute(
        sa.select(Ticket.id, Ticket.code, Ticket.status, Registration.name,
                  Registration.anonymized_at, Registration.status.label("registration_status"))
        .join(Registration, Registration.id == Ticket.registration_id)
        .where(Ticket.event_id == checkpoint.event_id, only(Ticket.id))
    ).all()
    live = {row.id for row in rows if live_ticket(row)}
    if checkpoint.admits == Admits.RESERVATION:
        seated = set(db.session.scalars(
            sa.select(Ticket.id)
            .join(Reservation, Reservation.registration_id == Ticket.registration_id)
            .where(Reservation.session_id == checkpoint.session_id,
                   Reservation.status == RegistrationStatus.CONFIRMED, only(Ticket.id))))
        live &= seated
    present = db.session.scalars(sa.select(Presence.ticket_id).where(
        Presence.checkpoint_id == checkpoint.id, Presence.inside.is_(True),
        only(Presence.ticket_id)).order_by(Presence.ticket_id))
    by_id = sorted(rows, key=lambda r: r.id)
    return TicketStates(
        admitted={row.id: None if row.anonymized_at else row.name
                  for row in by_id if row.id in live},
        revoked={row.id: row.code for row in by_id if not live_ticket(row)},
        present=list(present))


def _rules(checkpoint: Checkpoint) -> dict:
    return {"admits": checkpoint.admits, "counts_exits": checkpoint.counts_exits,
            "capacity": checkpoint.capacity, "inside": checkpoint.inside_count}


def offline_bundle(checkpoint: Checkpoint) -> dict:
    """The contract's offline bundle: the public keys, revoked codes, which tickets are
    admitted here, the names to show and who is inside here already. No e-mail
    addresses, no codes of valid tickets."""
    states = ticket_states(checkpoint)
    return {
        "checkpoint": checkpoint_summary(checkpoint),
        "event_id": checkpoint.event_id,
        "generated_at": utcnow().isoformat(),
        "public_keys": {str(kid): key for kid, key in public_keys().items()},
        "revoked_codes": sorted(states.revoked.values()),
        "revoked_ticket_ids": list(states.revoked),
        "allowed_ticket_ids": list(states.admitted),
        # At a session's door only the names of those with a seat there.
        "names": {str(i): name for i, name in states.admitted.items() if name is not None},
        "present_ticket_ids": states.present,
        "rules": _rules(checkpoint),
    }


def gaps(ids: list[int]) -> list[int]:
    """Sorted ids as the first one and the gaps after it: consecutive ids become 1s, which
    compress to almost nothing."""
    return [b - a for a, b in zip([0, *ids], ids, strict=False)]


def _fingerprint(checkpoint: Checkpoint) -> str:
    """What decides which tickets a bundle lists: another value needs a full bundle."""
    setup = f"{FORMAT}:{checkpoint.event_id}:{checkpoint.id}:{checkpoint.admits}:" \
            f"{checkpoint.session_id}"
    return hashlib.sha256(setup.encode()).hexdigest()[:10]


def bundle_version(checkpoint: Checkpoint, at: datetime) -> str:
    """The opaque version a scanner sends back as `since`."""
    return f"{FORMAT}.{int(at.timestamp() * 1000)}.{_fingerprint(checkpoint)}"


def delta_start(checkpoint: Checkpoint, since: str | None, now: datetime) -> datetime | None:
    """From when to read changes for a scanner holding `since`; None: send everything."""
    try:
        form, millis, fingerprint = (since or "").split(".")
        at = datetime.fromtimestamp(int(millis) / 1000, UTC)
    except (ValueError, OverflowError, OSError):
        return None
    if form != str(FORMAT) or fingerprint != _fingerprint(checkpoint):
        return None
    if at > now + OVERLAP or at < now - MAX_AGE:
        return None
    return at - OVERLAP


def changed_ticket_ids(checkpoint: Checkpoint, start: datetime) -> list[int]:
    """Tickets of the checkpoint's event whose state here may have changed after `start`
    (one statement)."""
    event_id = checkpoint.event_id
    parts = [
        sa.select(Ticket.id).where(Ticket.event_id == event_id, sa.or_(
            Ticket.issued_at > start, Ticket.revoked_at > start)),
        sa.select(Ticket.id).join(Registration, Registration.id == Ticket.registration_id)
        .where(Registration.event_id == event_id, Registration.updated_at > start),
        sa.select(Scan.ticket_id).where(
            Scan.checkpoint_id.in_(sa.select(Checkpoint.id).where(
                Checkpoint.event_id == event_id).scalar_subquery()),
            Scan.recorded_at > start, Scan.result == ScanResult.OK,
            Scan.ticket_id.is_not(None)),
    ]
    if checkpoint.session_id is not None:
        parts.append(sa.select(Ticket.id).join(
            Reservation, Reservation.registration_id == Ticket.registration_id)
            .where(Reservation.session_id == checkpoint.session_id,
                   Reservation.updated_at > start))
    return sorted(db.session.scalars(sa.union(*parts)))


def scanner_bundle(checkpoint: Checkpoint, since: str | None = None) -> dict:
    """The scanner's bundle: everything (`full`), or the changes since the version it
    holds. Ids are sent as gaps (see `gaps`); `names` follows `admitted`, "" for none.
    A delta lists in `changed` every ticket it is about: the scanner forgets what it knew
    of those and takes their state from `admitted`, `revoked` and `present`."""
    now = utcnow()
    start = delta_start(checkpoint, since, now)
    ids = changed_ticket_ids(checkpoint, start) if start is not None else None
    if ids is not None and len(ids) > MAX_DELTA_TICKETS:
        ids = None
    states = ticket_states(checkpoint, ids)
    body = {
        "version": bundle_version(checkpoint, now),
        "full": ids is None,
        "checkpoint": checkpoint_summary(checkpoint),
        "event_id": checkpoint.event_id,
        "generated_at": now.isoformat(),
        "public_keys": {str(kid): key for kid, key in public_keys().items()},
        "rules": _rules(checkpoint),
        "admitted": gaps(list(states.admitted)),
        "names": [name or "" for name in states.admitted.values()],
        "revoked": gaps(list(states.revoked)),
        "present": gaps(states.present),
    }
    if ids is not None:
        body["changed"] = gaps(ids)
    return body
