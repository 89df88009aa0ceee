"""Reading check-in state: a checkpoint's description, door search, and the organizers'
live numbers (the offline bundle: festa.checkin.bundle)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _

from festa.checkin.devices import event_checkpoints
from festa.checkin.models import Checkpoint, Presence, Scan, ScanResult
from festa.dbtypes import utcnow
from festa.extensions import db
from festa.hangul import is_choseong, matches, normalize
from festa.i18n import format_time, localized
from festa.program.models import Event
from festa.program.queries import event_bounds
from festa.registration.models import Registration, RegistrationStatus
from festa.registration.questions.queries import choice_counts
from festa.tickets.codes import extract_code
from festa.tickets.models import Ticket, TicketStatus

SEARCH_LIMIT = 10
BUCKET_MINUTES = 15
MAX_BUCKETS = 96  # one day of quarter hours on the chart


def checkpoint_label(checkpoint: Checkpoint) -> str:
    """The name to show; the automatic entrance is called "Entrance" in either language."""
    if checkpoint.is_entrance and checkpoint.name == "Entrance":
        return _("Entrance")
    return checkpoint.name


def checkpoint_summary(checkpoint: Checkpoint) -> dict:
    """What a scanner needs to know about its checkpoint (API shape)."""
    event, session, room = checkpoint.event, checkpoint.session, checkpoint.room
    return {
        "id": checkpoint.id,
        "name": checkpoint_label(checkpoint),
        "is_entrance": checkpoint.is_entrance,
        "admits": checkpoint.admits,
        "counts_exits": checkpoint.counts_exits,
        "capacity": checkpoint.capacity,
        "inside": checkpoint.inside_count,
        "active": checkpoint.active,
        "print_badges": checkpoint.print_badges,
        "session": {"id": session.id, "title": localized(session, "title")} if session else None,
        "room": {"id": room.id, "name": localized(room, "name")} if room else None,
        "event": {"id": event.id, "slug": event.slug, "name": localized(event, "name"),
                  "timezone": event.timezone, "ends_at": event_bounds(event)[1].isoformat()},
    }


def live_ticket(row) -> bool:
    """A row with a ticket's and its registration's status: may it be admitted?"""
    return (row.status == TicketStatus.VALID
            and row.registration_status == RegistrationStatus.CONFIRMED)


def _mask_email(email: str) -> str:
    local, _at, domain = email.partition("@")
    return f"{local[:2]}***@{domain}" if domain else "***"


def search_kind(query: str) -> str:
    """What a door search looks for (the audit log keeps this, not what was typed)."""
    q = normalize(query.lstrip("#"))
    if q.isascii() and q.isdigit():
        return "ticket"
    if len(query.strip()) > 40:
        return "code"
    return "email" if "@" in q else "name"


def _search_rows(event_id: int, query: str) -> list:
    q = normalize(query.lstrip("#"))
    columns = (Registration.name, Registration.email, Ticket.id, Ticket.code, Ticket.status,
               Registration.status.label("registration_status"))
    base = (sa.select(*columns).join(Ticket, Ticket.registration_id == Registration.id)
            .where(Registration.event_id == event_id).order_by(Registration.name))
    if q.isascii() and q.isdigit():  # "²".isdigit() is true too; ids fit in 32 bits
        if int(q) > 2**31 - 1:
            return []
        return db.session.execute(base.where(Ticket.id == int(q))).all()
    if len(query.strip()) > 40:  # a code or a ticket URL typed or pasted
        return db.session.execute(base.where(Ticket.code == extract_code(query))).all()
    if "@" in q:  # only a whole address finds someone: no fishing with "@" or a domain
        return db.session.execute(base.where(Registration.email == q.strip())).all()
    if any(is_choseong(ch) for ch in q):
        return [r for r in db.session.execute(base).all() if matches(q, r.name)]
    pattern = f"%{q.replace('%', '').replace('_', '')}%"
    flat_name = sa.func.replace(sa.func.lower(Registration.name), " ", "")
    return db.session.execute(base.where(flat_name.like(pattern))).all()


def search_attendees(checkpoint: Checkpoint, query: str) -> list[dict]:
    """Door search in the checkpoint's event by name (초성 too), a whole e-mail address or
    ticket number; at most SEARCH_LIMIT matches, e-mail addresses masked, never a ticket
    code (the door scans a hit by its ticket id)."""
    if not normalize(query):
        return []
    rows = _search_rows(checkpoint.event_id, query)[:SEARCH_LIMIT]
    inside = set(db.session.scalars(sa.select(Presence.ticket_id).where(
        Presence.checkpoint_id == checkpoint.id, Presence.inside.is_(True),
        Presence.ticket_id.in_([r.id for r in rows]))))
    return [{"ticket_id": r.id, "name": r.name, "email": _mask_email(r.email),
             "valid": live_ticket(r), "inside": r.id in inside} for r in rows]


def _bucket(at: datetime) -> datetime:
    return at.replace(minute=at.minute - at.minute % BUCKET_MINUTES, second=0, microsecond=0)


def arrivals(event: Event, checkpoint_ids: list[int]) -> list[dict]:
    """First arrivals per quarter hour (each ticket counted once, when first let in)."""
    firsts = db.session.scalars(
        sa.select(sa.func.min(Presence.first_entry_at))
        .where(Presence.checkpoint_id.in_(checkpoint_ids)).group_by(Presence.ticket_id))
    counts = Counter(_bucket(at) for at in firsts if at is not None)
    if not counts:
        return []
    start, end = min(counts), max(counts)
    step = timedelta(minutes=BUCKET_MINUTES)
    start = max(start, end - step * (MAX_BUCKETS - 1))
    zone = ZoneInfo(event.timezone)
    buckets, at = [], start
    while at <= end:
        buckets.append({"start": at.astimezone(zone).isoformat(), "count": counts.get(at, 0),
                        "label": format_time(at, "HH:mm", tz=event.timezone)})
        at += step
    return buckets


def _per_checkpoint(checkpoints: list[Checkpoint]) -> list[dict]:
    ids = [c.id for c in checkpoints]
    checked = dict(db.session.execute(
        sa.select(Presence.checkpoint_id, sa.func.count())
        .where(Presence.checkpoint_id.in_(ids)).group_by(Presence.checkpoint_id)).all())
    scans = Counter()
    refused = Counter()
    for checkpoint_id, result, n in db.session.execute(
            sa.select(Scan.checkpoint_id, Scan.result, sa.func.count())
            .where(Scan.checkpoint_id.in_(ids), Scan.direction != "undo")
            .group_by(Scan.checkpoint_id, Scan.result)):
        scans[checkpoint_id] += n
        if result != ScanResult.OK:
            refused[checkpoint_id] += n
    return [{"id": c.id, "name": checkpoint_label(c), "is_entrance": c.is_entrance,
             "checked_in": checked.get(c.id, 0), "inside": c.inside_count,
             "capacity": c.capacity, "scans": scans[c.id], "refused": refused[c.id]}
            for c in checkpoints]


def event_stats(event: Event) -> dict:
    """The organizers' live numbers (the stats API and the dashboard)."""
    checkpoints = event_checkpoints(event)
    ids = [c.id for c in checkpoints]
    statuses = dict(db.session.execute(
        sa.select(Registration.status, sa.func.count())
        .where(Registration.event_id == event.id).group_by(Registration.status)).all())
    present = sa.select(sa.func.count(sa.distinct(Presence.ticket_id))).where(
        Presence.checkpoint_id.in_(ids))
    checked_in = db.session.scalar(present)
    inside = db.session.scalar(present.where(Presence.inside.is_(True)))
    registrations = statuses.get(RegistrationStatus.CONFIRMED, 0)
    return {
        "event": event.slug,
        "generated_at": utcnow().isoformat(),
        "registrations": registrations,
        "waitlist": statuses.get(RegistrationStatus.WAITLISTED, 0),
        "cancelled": statuses.get(RegistrationStatus.CANCELLED, 0),
        "checked_in": checked_in,
        "inside": inside,
        "no_shows": max(registrations - checked_in, 0),
        "checkpoints": _per_checkpoint(checkpoints),
        "arrivals": arrivals(event, ids),
        "questions": choice_counts(event.id),
    }
