"""Reading the audit log: filtered, newest first, with who (staff or device) and which event."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from festa.audit.models import AuditEntry
from festa.auth.models import User
from festa.auth.teams import event_scope
from festa.checkin.models import Checkpoint, Device, Scan
from festa.extensions import db
from festa.program.models import Event

PER_PAGE = 50


@dataclass(frozen=True)
class AuditFilter:
    event_id: int | None = None
    actor: str = ""  # part of a staff e-mail or name, or of a device's name
    action: str = ""  # exact action ("session.update") or a prefix ending in "." ("session.")


def _visible(reader: User) -> sa.ColumnElement[bool]:
    """Entries of the reader's events, and those of things every organizer shares (venues,
    speakers); changes to staff accounts and their tokens are for admins."""
    shared = sa.and_(AuditEntry.event_id.is_(None),
                     sa.not_(AuditEntry.action.startswith("user.")),
                     sa.not_(AuditEntry.action.startswith("api_token.")))
    return sa.or_(event_scope(reader, AuditEntry.event_id), shared)


def audit_query(filters: AuditFilter, reader: User) -> sa.Select:
    """Entries matching the filters that the reader may see, newest first, joined with
    their actor and event."""
    query = (
        sa.select(AuditEntry, User, Device, Event)
        .outerjoin(User, User.id == AuditEntry.user_id)
        .outerjoin(Device, Device.id == AuditEntry.device_id)
        .outerjoin(Event, Event.id == AuditEntry.event_id)
        .where(_visible(reader))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    )
    if filters.event_id:
        query = query.where(AuditEntry.event_id == filters.event_id)
    if filters.action:
        if filters.action.endswith("."):
            query = query.where(AuditEntry.action.startswith(filters.action, autoescape=True))
        else:
            query = query.where(AuditEntry.action == filters.action)
    actor = filters.actor.strip()
    if actor:
        pattern = f"%{actor.lower()}%"
        query = query.where(sa.or_(
            sa.func.lower(User.email).like(pattern),
            sa.func.lower(User.name).like(pattern),
            sa.func.lower(Device.name).like(pattern),
        ))
    return query


@dataclass(frozen=True)
class AuditPage:
    rows: list  # (entry, user or None, device or None, event or None)
    page: int
    pages: int
    total: int


def audit_page(filters: AuditFilter, reader: User, page: int = 1) -> AuditPage:
    """One page of the filtered audit log, newest first."""
    return page_of(audit_query(filters, reader), page)


def known_actions() -> list[str]:
    """Every action recorded so far, for the filter's choices."""
    return list(db.session.scalars(
        sa.select(AuditEntry.action).distinct().order_by(AuditEntry.action)
    ))


def events_for_filter(reader: User) -> list[Event]:
    return list(db.session.scalars(sa.select(Event).where(event_scope(reader, Event.id))
                                   .order_by(Event.start_date.desc())))


def scan_query(filters: AuditFilter, reader: User) -> sa.Select:
    """Scans (every device and door-staff action at a checkpoint), newest first; `action`
    filters by result ("ok", "invalid", …) or direction ("exit", "undo")."""
    query = (
        sa.select(Scan, User, Device, Checkpoint, Event)
        .join(Checkpoint, Checkpoint.id == Scan.checkpoint_id)
        .join(Event, Event.id == Checkpoint.event_id)
        .outerjoin(User, User.id == Scan.user_id)
        .outerjoin(Device, Device.id == Scan.device_id)
        .where(event_scope(reader, Checkpoint.event_id))
        .order_by(Scan.recorded_at.desc(), Scan.id.desc())
    )
    if filters.event_id:
        query = query.where(Checkpoint.event_id == filters.event_id)
    if filters.action:
        query = query.where(sa.or_(Scan.result == filters.action,
                                   Scan.direction == filters.action))
    actor = filters.actor.strip()
    if actor:
        pattern = f"%{actor.lower()}%"
        query = query.where(sa.or_(sa.func.lower(User.email).like(pattern),
                                   sa.func.lower(Device.name).like(pattern)))
    return query


def page_of(query: sa.Select, page: int = 1) -> AuditPage:
    """One page of any of these queries, newest first."""
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    ) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(1, page), pages)
    rows = db.session.execute(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return AuditPage(rows=[tuple(r) for r in rows], page=page, pages=pages, total=total)


SCAN_ACTIONS = ("ok", "already_checked_in", "invalid", "revoked", "wrong_event", "not_allowed",
                "room_full", "exit", "undo")
