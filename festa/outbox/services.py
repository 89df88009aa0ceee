"""The outbox: messages written in the caller's transaction, delivered later, exactly once.

`enqueue` only adds a row to the current session, so a registration and its mail are
committed together or not at all. The row may hold just ids (and `params`): the message is
then rendered from the database by the function registered for its kind and topic
(`register_renderer`) the first time a worker takes it, after the caller's commit, and kept
in the row, so a retry sends the same bytes. `deliver_due` is one delivery pass (the
background worker and `flask festa mail send` both call it):

1. claim due messages with one conditional UPDATE … RETURNING that sets `locked_until`
   (a lease) only where nobody holds one, and commit — two workers, threads or processes
   can never claim the same row, on SQLite (writes are serialised) or PostgreSQL (the
   second UPDATE waits for the first and re-checks the condition on the new row);
2. render it if it holds only ids (and commit the result), then deliver it outside any
   transaction (SMTP can be slow);
3. mark it sent, or schedule a retry with exponential back-off, one commit per message.

A worker that dies mid-pass leaves its lease to expire; the message is then retried.
Kinds are delivered by functions in a registry (`register_deliverer`), filled when the app
is created (festa.blueprints): mail by festa.outbox.mail, webhooks by their area.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from festa.audit.services import record
from festa.core.transactions import transactional
from festa.dbtypes import utcnow
from festa.extensions import db
from festa.observability import metrics
from festa.outbox.models import OutboxMessage, OutboxStatus

LEASE = timedelta(minutes=5)
BACKOFF_BASE = 30  # seconds before the first retry; doubled after each failure
BACKOFF_MAX = 3600
DEFAULT_MAX_ATTEMPTS = 10  # 30 s … 1 h apart: about five hours of trying


class DeliveryError(Exception):
    """A deliverer's failure. `permanent` gives up at once (e.g. a rejected address);
    `status_code` is kept for the organizers' view (webhooks)."""

    def __init__(self, message: str, *, permanent: bool = False,
                 status_code: int | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.status_code = status_code


@dataclass(frozen=True)
class Deliverer:
    send: Callable[[OutboxMessage], int | None]
    # Whether this kind can be delivered now (mail: only while MAIL_SERVER is set).
    enabled: Callable[[], bool]


@dataclass(frozen=True)
class Rendered:
    payload: bytes
    subject: str = ""


Renderer = Callable[[OutboxMessage], Rendered]

_registry: dict[str, Deliverer] = {}
_renderers: dict[tuple[str, str], Renderer] = {}


def register_deliverer(kind: str, fn: Callable[[OutboxMessage], int | None], *,
                       enabled: Callable[[], bool] | None = None) -> None:
    """Deliver messages of `kind` with `fn(message)`; it raises on failure and may return
    a status code to keep. While `enabled()` is false, messages of that kind stay pending."""
    _registry[kind] = Deliverer(send=fn, enabled=enabled or (lambda: True))


def register_renderer(kind: str, topics: Iterable[str], fn: Renderer) -> None:
    """Render messages of `kind` about these topics, queued without a payload, with
    `fn(message)` (inside a transaction, reading the database; raise to retry later)."""
    for topic in topics:
        _renderers[(kind, topic)] = fn


def rendered(message: OutboxMessage) -> Rendered:
    """The message's content: its stored payload, or rendered now (not stored)."""
    if message.payload is not None:
        return Rendered(bytes(message.payload), message.subject)
    renderer = _renderers.get((message.kind, message.topic))
    if renderer is None:
        raise DeliveryError(f"nothing renders {message.kind} {message.topic!r}", permanent=True)
    return renderer(message)


def deliverers() -> dict[str, Deliverer]:
    """The kinds that can be delivered and how."""
    return dict(_registry)


def enqueue(kind: str, topic: str, recipient: str, payload: bytes | None = None, *,
            subject: str = "", event_id: int | None = None, registration_id: int | None = None,
            webhook_id: int | None = None, params: dict | None = None) -> OutboxMessage:
    """Add a message to the current transaction; it is delivered only once committed.
    Without `payload`, the renderer registered for (kind, topic) makes it after the commit."""
    if payload is None and (kind, topic) not in _renderers:
        raise ValueError(f"no renderer for {kind} {topic!r}: queue a payload")
    message = OutboxMessage(
        kind=kind, topic=topic, recipient=recipient, payload=payload, subject=subject[:300],
        event_id=event_id, registration_id=registration_id, webhook_id=webhook_id,
        params=params, status=OutboxStatus.PENDING, attempts=0, next_attempt_at=utcnow(),
    )
    db.session.add(message)
    return message


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after `attempts` failures: 30 s · 2^(n−1), at most 1 h."""
    return timedelta(seconds=min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_MAX))


def claim_due(kinds: list[str], limit: int, now: datetime | None = None) -> list[int]:
    """Lease up to `limit` due messages of these kinds to this caller; returns their ids.

    Two statements in one transaction: pick due ids (on PostgreSQL `FOR UPDATE SKIP
    LOCKED`, so concurrent workers pick different rows without waiting), then
    UPDATE … SET locked_until WHERE id IN (ids) AND still free … RETURNING id. The UPDATE
    re-checks the conditions on the latest row version (PostgreSQL) or runs as the only
    writer (SQLite), so a row is claimed by one caller only. (Not one statement with the
    SELECT as a sub-query: PostgreSQL may re-run that sub-query per row and claim more.)
    """
    now = now or utcnow()
    if not kinds or limit <= 0:
        return []
    free = sa.or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until <= now)
    due = (
        sa.select(OutboxMessage.id)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.kind.in_(kinds),
            OutboxMessage.next_attempt_at <= now,
            free,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(db.session.scalars(due))
    if not ids:
        db.session.rollback()
        return []
    claimed = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.PENDING, free)
        .values(locked_until=now + LEASE)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).scalars().all()
    db.session.commit()
    return sorted(claimed)


def _record_success(message: OutboxMessage, status_code: int | None) -> None:
    message.status = OutboxStatus.SENT
    message.attempts += 1
    message.sent_at = utcnow()
    message.locked_until = None
    message.last_status_code = status_code
    message.last_error = ""


def _record_failure(message: OutboxMessage, error: Exception) -> None:
    max_attempts = current_app.config.get("OUTBOX_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS)
    message.attempts += 1
    message.locked_until = None
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    message.last_status_code = getattr(error, "status_code", None)
    if getattr(error, "permanent", False) or message.attempts >= max_attempts:
        message.status = OutboxStatus.FAILED
    else:
        message.next_attempt_at = utcnow() + backoff(message.attempts)


def deliver_one(message_id: int, registry: dict[str, Deliverer]) -> bool:
    """Deliver one claimed message and record the outcome; True when it went out."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        db.session.rollback()
        return False
    db.session.refresh(message)
    try:
        if message.payload is None:
            _render(message)
        db.session.expunge(message)  # a detached copy: no transaction stays open while sending
        db.session.rollback()
        status_code = registry[message.kind].send(message)
    except Exception as error:  # noqa: BLE001 - any failure is retried, never lost
        current_app.logger.warning("outbox %s (%s) failed: %s", message_id, message.kind, error)
        failure = error
    else:
        failure = None
    if failure is not None:
        _record(message_id, lambda row: _record_failure(row, failure))
        metrics.count_delivery(message.kind, "failed" if getattr(
            failure, "permanent", False) else "retry")
        return False
    if status_code is None:  # a deliverer may note the answer's status on the message
        status_code = message.last_status_code
    _record(message_id, lambda row: _record_success(row, status_code))
    metrics.count_delivery(message.kind, "sent")
    return True


def _render(message: OutboxMessage) -> None:
    """Render a message queued with ids only and keep the result (this worker holds its
    lease): a retry then sends the very same bytes."""
    try:
        content = rendered(message)
    except Exception:
        db.session.rollback()
        raise
    message.payload, message.subject = content.payload, content.subject[:300]
    db.session.commit()
    db.session.refresh(message)


def _record(message_id: int, change: Callable[[OutboxMessage], None]) -> None:
    row = db.session.get(OutboxMessage, message_id)
    if row is not None:
        change(row)
    db.session.commit()


def deliver_due(limit: int = 100) -> int:
    """One delivery pass: claim, deliver, record. Returns how many messages went out."""
    registry = deliverers()
    kinds = sorted(kind for kind, d in registry.items() if d.enabled())
    sent = 0
    for message_id in claim_due(kinds, limit):
        sent += deliver_one(message_id, registry)
    return sent


@transactional
def retry_now(message: OutboxMessage, audit_action: str = "outbox.retry") -> None:
    """Put a failed (or waiting) message back in the queue for the next pass (audited as
    `audit_action`, naming topic and recipient)."""
    message.status = OutboxStatus.PENDING
    message.next_attempt_at = utcnow()
    message.locked_until = None
    if message.attempts >= current_app.config.get("OUTBOX_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS):
        message.attempts = 0
    record(audit_action, message, event_id=message.event_id,
           details={"topic": message.topic, "recipient": message.recipient})


def waiting_count(kind: str | None = None) -> int:
    """Messages not sent yet and not given up on."""
    query = sa.select(sa.func.count(OutboxMessage.id)).where(
        OutboxMessage.status == OutboxStatus.PENDING
    )
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    return db.session.scalar(query)
