"""Recording who did what: every change by an organizer or a scanner goes through `record`."""

from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user

from festa.audit.models import AuditEntry
from festa.extensions import db


def record(action: str, target: object | None = None, *, event_id: int | None = None,
           details: dict | None = None, user_id: int | None = None,
           device_id: int | None = None) -> AuditEntry:
    """Add an audit entry to the current transaction (committed with the change itself).

    `action` is "<thing>.<verb>", e.g. "session.update". The acting staff user is taken
    from the login session when not given; scanners pass their `device_id`.
    """
    ip = ""
    if has_request_context():
        ip = request.remote_addr or ""
        if user_id is None and device_id is None and current_user.is_authenticated:
            user_id = current_user.id
    if event_id is None and target is not None:
        event_id = getattr(target, "event_id", None)
        if event_id is None and type(target).__name__ == "Event":
            event_id = getattr(target, "id", None)
    entry = AuditEntry(
        action=action,
        target_type=type(target).__name__.lower() if target is not None else "",
        target_id=getattr(target, "id", None),
        event_id=event_id,
        details=details or {},
        user_id=user_id,
        device_id=device_id,
        ip=ip,
    )
    db.session.add(entry)
    return entry
