"""Checkpoints and the scanning devices paired with them.

Every event has an entrance checkpoint (created with the event); sessions that need a
reservation and rooms the organizer picks get their own. A device token is a bearer
token bound to one checkpoint: it can scan there and read what the scanner needs,
nothing else. Only its SHA-256 is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask
from flask_babel import gettext as _

from festa import signals
from festa.audit.services import record
from festa.auth.models import User
from festa.auth.services import hash_token, new_token
from festa.checkin.models import Admits, Checkpoint, Device
from festa.core.lookups import lookups
from festa.core.transactions import transactional
from festa.dbtypes import utcnow
from festa.errors import FestaError
from festa.extensions import db
from festa.i18n import localized
from festa.program.models import Event, Session
from festa.program.queries import event_bounds

CHECKPOINT_FIELDS = ("name", "session_id", "room_id", "admits", "counts_exits", "capacity",
                     "active", "print_badges")
# Writing last_seen_at on every request would double the writes of a busy scanner.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)

# Scanners keep working one day past the event's end (late syncs), then their tokens stop.
DEVICE_GRACE = timedelta(days=1)


@dataclass
class DoorDevice:
    """A paired scanner as a request needs it: kept a few seconds per process
    (festa.core.lookups) so a busy scanner's token costs no query, not tied to a session."""

    id: int
    checkpoint_id: int
    event_id: int
    name: str
    token_hash: str
    usable_until: datetime  # a grace day after its event's end
    last_seen_at: datetime | None


@dataclass(frozen=True)
class DoorCheckpoint:
    """A checkpoint as the scan path needs it (kept like DoorDevice). Its rules (open,
    exits, capacity, what it admits) are read fresh by the scan itself."""

    id: int
    event_id: int


@transactional
def entrance_checkpoint(event: Event) -> Checkpoint:
    """The event's entrance, made now if it has none. Every event gets its entrance when it
    is created (`add_entrance`; a migration gave one to the events before), so this finds
    it; pages only read `event_checkpoints`."""
    return _entrance(event)


def _entrance(event: Event) -> Checkpoint:
    checkpoint = db.session.scalar(
        sa.select(Checkpoint)
        .where(Checkpoint.event_id == event.id, Checkpoint.is_entrance.is_(True))
        .order_by(Checkpoint.id)
    )
    if checkpoint is None:
        checkpoint = Checkpoint(event_id=event.id, name="Entrance", is_entrance=True,
                                admits=Admits.ANY_TICKET)
        db.session.add(checkpoint)
        db.session.flush()
    return checkpoint


def add_entrance(event: Event, **_data) -> list[Checkpoint]:
    """Every event has an entrance, made with the event (`event_created`, inside the
    transaction that creates it)."""
    return [_entrance(event)]


def init_app(app: Flask) -> None:
    """Listen for new events (festa.signals; connecting twice changes nothing)."""
    signals.event_created.connect(add_entrance)


def event_checkpoints(event: Event) -> list[Checkpoint]:
    """The event's checkpoints, entrance first."""
    return list(db.session.scalars(
        sa.select(Checkpoint).where(Checkpoint.event_id == event.id)
        .order_by(Checkpoint.is_entrance.desc(), Checkpoint.name, Checkpoint.id)
    ))


def _check_rules(event: Event, values: dict) -> None:
    """A checkpoint's settings must make sense together; errors name the field."""
    errors: dict[str, list[str]] = {}
    if not (values.get("name") or "").strip():
        errors["name"] = [_("A checkpoint needs a name.")]
    if values.get("admits") not in set(Admits):
        errors["admits"] = [_("Choose which tickets this checkpoint admits.")]
    session_id = values.get("session_id")
    if session_id is not None:
        session = db.session.get(Session, session_id)
        if session is None or session.event_id != event.id:
            errors["session_id"] = [_("This session is not part of the event.")]
    if values.get("admits") == Admits.RESERVATION and session_id is None:
        errors["session_id"] = [_("Checking reservations needs a session.")]
    capacity = values.get("capacity")
    if capacity is not None and capacity < 1:
        errors["capacity"] = [_("Capacity must be at least 1, or empty for no limit.")]
    if errors:
        raise FestaError("validation_error", _("Some fields are not valid: %(fields)s",
                                               fields=", ".join(sorted(errors))),
                         status=422, fields=errors)


@transactional
def create_checkpoint(event: Event, **values) -> Checkpoint:
    """A new checkpoint for a session or a room (audited)."""
    values.setdefault("admits", Admits.ANY_TICKET)
    _check_rules(event, values)
    checkpoint = Checkpoint(event_id=event.id, **{k: values.get(k) for k in CHECKPOINT_FIELDS
                                                  if k in values})
    db.session.add(checkpoint)
    db.session.flush()
    record("checkpoint.create", checkpoint, details={"name": checkpoint.name})
    return checkpoint


@transactional
def update_checkpoint(checkpoint: Checkpoint, **values) -> Checkpoint:
    """Change a checkpoint's rules (audited). A capacity below the number
    of people inside now is refused: they are in the room already."""
    merged = {k: getattr(checkpoint, k) for k in CHECKPOINT_FIELDS}
    merged.update(values)
    _check_rules(checkpoint.event, merged)
    capacity = merged.get("capacity")
    if capacity is not None and capacity < checkpoint.inside_count:
        raise FestaError("validation_error", _("Capacity is below the number inside."),
                         status=422, fields={"capacity": [_(
                             "%(n)s people are inside now; the capacity cannot be lower.",
                             n=checkpoint.inside_count)]})
    changed = {k: v for k, v in values.items() if getattr(checkpoint, k) != v}
    for key, value in changed.items():
        setattr(checkpoint, key, value)
    record("checkpoint.update", checkpoint, details={k: str(v) for k, v in changed.items()})
    return checkpoint


@transactional
def add_session_checkpoints(event: Event) -> list[Checkpoint]:
    """A door for every session that needs a reservation and has none yet: it admits only
    reservations and counts the session's room (each one audited)."""
    covered = set(db.session.scalars(sa.select(Checkpoint.session_id).where(
        Checkpoint.event_id == event.id, Checkpoint.session_id.is_not(None))))
    sessions = db.session.scalars(sa.select(Session).where(
        Session.event_id == event.id, Session.reservation_required.is_(True),
        Session.cancelled.is_(False), Session.scheduled).order_by(Session.starts_at, Session.id))
    created = []
    for session in sessions:
        if session.id in covered:
            continue
        room_capacity = session.room.capacity if session.room else None
        created.append(create_checkpoint(
            event, name=localized(session, "title")[:200], session_id=session.id,
            room_id=session.room_id, admits=Admits.RESERVATION,
            capacity=room_capacity if room_capacity and room_capacity > 0 else None))
    return created


@transactional
def create_device(checkpoint: Checkpoint, name: str = "", created_by: User | None = None
                  ) -> tuple[Device, str]:
    """Pair a new scanner with a checkpoint. Returns the device and its plain token, which
    is shown once and never stored (audited)."""
    token = new_token()
    device = Device(checkpoint=checkpoint, name=name.strip()[:100], token_hash=hash_token(token),
                    created_by_id=created_by.id if created_by else None)
    db.session.add(device)
    db.session.flush()
    record("device.create", device, event_id=checkpoint.event_id,
           user_id=created_by.id if created_by else None,
           details={"checkpoint_id": checkpoint.id, "name": device.name})
    return device, token


@transactional
def revoke_device(device: Device) -> None:
    """Stop a device token from working at once (audited)."""
    if device.revoked_at is not None:
        return
    device.revoked_at = utcnow()
    record("device.revoke", device, event_id=device.checkpoint.event_id,
           details={"checkpoint_id": device.checkpoint_id})


def device_for_token(token: str | None) -> DoorDevice | None:
    """The unrevoked device behind a bearer token, or None; a device stops working a grace
    day after its event has ended. Kept LOOKUP_CACHE_SECONDS per process: a device revoked
    elsewhere stops within that."""
    if not token:
        return None
    token_hash = hash_token(token)
    device = lookups().get(("device", token_hash), lambda: _load_device(token_hash))
    if device is None or utcnow() > device.usable_until:
        return None
    _note_seen(device)
    return device


@sa.event.listens_for(Device, "after_update")
@sa.event.listens_for(Device, "after_delete")
def _forget_device(_mapper, _connection, device: Device) -> None:
    """A device changed here (revoked, renamed) is read again at once; other processes
    read it again within LOOKUP_CACHE_SECONDS."""
    lookups().forget(("device", device.token_hash))


def _load_device(token_hash: str) -> DoorDevice | None:
    row = db.session.execute(
        sa.select(Device.id, Device.checkpoint_id, Device.name, Device.last_seen_at,
                  Checkpoint.event_id)
        .join(Checkpoint, Checkpoint.id == Device.checkpoint_id)
        .where(Device.token_hash == token_hash, Device.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    ends = event_bounds(db.session.get(Event, row.event_id))[1]
    return DoorDevice(id=row.id, checkpoint_id=row.checkpoint_id, event_id=row.event_id,
                      name=row.name, token_hash=token_hash, usable_until=ends + DEVICE_GRACE,
                      last_seen_at=row.last_seen_at)


def door_checkpoint(checkpoint_id: int) -> DoorCheckpoint | None:
    """The checkpoint a scan names, or None (kept like devices: id and event never change)."""
    return lookups().get(("checkpoint", checkpoint_id), lambda: _load_checkpoint(checkpoint_id))


def _load_checkpoint(checkpoint_id: int) -> DoorCheckpoint | None:
    event_id = db.session.scalar(
        sa.select(Checkpoint.event_id).where(Checkpoint.id == checkpoint_id))
    return DoorCheckpoint(id=checkpoint_id, event_id=event_id) if event_id else None


def _note_seen(device: DoorDevice) -> None:
    """Remember when the device was last seen, at most once a LAST_SEEN_RESOLUTION.

    Every request of a busy scanner reads the same devices row; a write locks it until it
    commits. So the write is conditional, is its own short transaction (an access record,
    like an audit entry: the one kind of write a GET may make), and skips a row being
    written right now (SKIP LOCKED: that request's timestamp will do): no request ever
    waits for another here. FOR NO KEY UPDATE does not block the foreign-key checks of new
    scan rows. The kept DoorDevice remembers the time, so this process asks once a minute.
    """
    now = utcnow()
    if device.last_seen_at is None or now - device.last_seen_at > LAST_SEEN_RESOLUTION:
        _write_seen(device.id, now)
        device.last_seen_at = now  # written now, or by the request holding the row


@transactional
def _write_seen(device_id: int, now: datetime) -> None:
    stale = (
        sa.select(Device.id)
        .where(Device.id == device_id, sa.or_(Device.last_seen_at.is_(None),
                                              Device.last_seen_at < now - LAST_SEEN_RESOLUTION))
        .with_for_update(key_share=True, skip_locked=True)
    )
    db.session.execute(
        sa.update(Device).where(Device.id.in_(stale.scalar_subquery())).values(last_seen_at=now)
        .execution_options(synchronize_session=False))


def checkpoint_devices(checkpoint: Checkpoint) -> list[Device]:
    return list(db.session.scalars(
        sa.select(Device).where(Device.checkpoint_id == checkpoint.id)
        .order_by(Device.revoked_at.is_not(None), Device.created_at.desc())
    ))
