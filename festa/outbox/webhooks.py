"""Webhooks: signed JSON notifications to organizer-configured URLs, sent from the outbox.

`queue_event` writes one outbox row per subscribed webhook in the caller's transaction,
so a notification exists exactly when the change it describes was committed. The outbox
delivers it later with `deliver` (registered as the deliverer of kind "webhook"), and
retries with back-off when the receiver fails.

Receivers check `X-Festa-Signature: sha256=<hex>`, the HMAC-SHA256 of the raw request
body under the webhook's secret. `X-Festa-Timestamp` (Unix seconds) is when this attempt
was sent; the body's `created_at` (signed) is when the change happened.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

import sqlalchemy as sa

from festa.dbtypes import utcnow
from festa.extensions import db
from festa.outbox.models import OutboxKind, OutboxMessage, Webhook

TOPICS = ("registration.created", "registration.cancelled", "checkin.created")
SIGNATURE_HEADER = "X-Festa-Signature"
TIMESTAMP_HEADER = "X-Festa-Timestamp"
TOPIC_HEADER = "X-Festa-Topic"
DELIVERY_HEADER = "X-Festa-Delivery"
TIMEOUT_SECONDS = 10
USER_AGENT = "Festa-Webhooks/1"


class WebhookDeliveryError(Exception):
    """The receiver did not accept the delivery; the outbox retries later."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def sign(secret: str, body: bytes) -> str:
    """The signature header's value for `body`: 'sha256=<hex digest>'."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, body: bytes, header: str) -> bool:
    """What a receiver does (used in tests and documented on the manage page)."""
    return hmac.compare_digest(sign(secret, body), header or "")


def subscribers(event_id: int, topic: str) -> list[Webhook]:
    hooks = db.session.scalars(
        sa.select(Webhook).where(Webhook.event_id == event_id, Webhook.active.is_(True))
    )
    return [hook for hook in hooks if topic in topic_list(hook.topics)]


def topic_list(topics: str) -> list[str]:
    return [t.strip() for t in (topics or "").split(",") if t.strip()]


def queue_event(event_id: int, topic: str, payload: dict[str, Any]) -> list[OutboxMessage]:
    """Queue `topic` with `payload` for every active webhook of the event subscribed to it.

    Adds the rows to the current transaction; the caller commits (with its own change).
    Returns the queued messages (none when nobody subscribed).
    """
    if topic not in TOPICS:
        raise ValueError(f"unknown webhook topic {topic!r}")
    created_at = utcnow().isoformat()
    messages = []
    for hook in subscribers(event_id, topic):
        delivery_id = str(uuid.uuid4())
        body = {"id": delivery_id, "topic": topic, "created_at": created_at, "data": payload}
        message = OutboxMessage(
            kind=OutboxKind.WEBHOOK,
            topic=topic,
            recipient=hook.url,
            subject=delivery_id,
            payload=json.dumps(body, ensure_ascii=False, default=str).encode(),
            event_id=event_id,
            registration_id=payload.get("registration_id") if isinstance(payload, dict) else None,
            webhook_id=hook.id,
        )
        db.session.add(message)
        messages.append(message)
    return messages


def deliver(message: OutboxMessage) -> None:
    """POST one queued webhook call; raises WebhookDeliveryError unless the answer is 2xx.

    Sets `message.last_status_code`; the outbox records success, or retries with back-off.
    """
    hook = db.session.get(Webhook, message.webhook_id) if message.webhook_id else None
    if hook is None or not hook.active:
        raise WebhookDeliveryError("webhook removed or disabled")
    body = bytes(message.payload)
    request = urllib.request.Request(
        hook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            SIGNATURE_HEADER: sign(hook.secret, body),
            TIMESTAMP_HEADER: str(int(time.time())),
            TOPIC_HEADER: message.topic,
            DELIVERY_HEADER: message.subject,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            message.last_status_code = response.status
    except urllib.error.HTTPError as error:
        message.last_status_code = error.code
        raise WebhookDeliveryError(f"HTTP {error.code}", error.code) from error
    except (urllib.error.URLError, OSError) as error:
        message.last_status_code = None
        raise WebhookDeliveryError(f"connection failed: {error}") from error


def registration_payload(registration) -> dict[str, Any]:
    """The data of registration.* notifications (no more personal data than needed)."""
    return {
        "registration_id": registration.id,
        "event": registration.event.slug if registration.event else None,
        "name": registration.name,
        "email": registration.email,
        "organization": registration.organization,
        "status": registration.status,
        "sessions": [
            {"id": r.session_id, "status": r.status} for r in registration.reservations
        ],
    }


def checkin_payload(scan, registration=None) -> dict[str, Any]:
    """The data of checkin.created notifications."""
    return {
        "scan_id": scan.id,
        "registration_id": registration.id if registration is not None else None,
        "name": registration.name if registration is not None else None,
        "checkpoint_id": scan.checkpoint_id,
        "direction": scan.direction,
        "result": scan.result,
        "scanned_at": scan.scanned_at.isoformat() if scan.scanned_at else None,
    }


def register_deliverer() -> None:
    """Plug `deliver` into the outbox (when the outbox services exist)."""
    try:
        from festa.outbox import services
    except ImportError:  # pragma: no cover - the outbox services are written concurrently
        return
    register = getattr(services, "register_deliverer", None)
    if register is not None:
        register(OutboxKind.WEBHOOK, deliver)
