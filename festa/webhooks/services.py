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
import uuid
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, current_app

from festa import signals
from festa.audit.services import record
from festa.config import is_production
from festa.core import outbound
from festa.dbtypes import utcnow
from festa.errors import FestaError
from festa.extensions import db
from festa.outbox.models import OutboxKind, OutboxMessage
from festa.outbox.services import DeliveryError, enqueue, register_deliverer
from festa.webhooks.models import Webhook

TOPICS = ("registration.created", "registration.cancelled", "checkin.created")
SIGNATURE_HEADER = "X-Festa-Signature"
TIMESTAMP_HEADER = "X-Festa-Timestamp"
TOPIC_HEADER = "X-Festa-Topic"
DELIVERY_HEADER = "X-Festa-Delivery"
TIMEOUT_SECONDS = 10
USER_AGENT = "Festa-Webhooks/1"


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
        messages.append(enqueue(
            OutboxKind.WEBHOOK, topic, hook.url,
            json.dumps(body, ensure_ascii=False, default=str).encode(),
            subject=delivery_id, event_id=event_id, webhook_id=hook.id,
            registration_id=payload.get("registration_id"),
        ))
    return messages


def deliver(message: OutboxMessage) -> int:
    """POST one queued webhook call and return the receiver's status code.

    Raises DeliveryError unless the answer is 2xx; the outbox then retries with back-off
    (permanently failed when the webhook was removed or disabled meanwhile).
    """
    hook = db.session.get(Webhook, message.webhook_id) if message.webhook_id else None
    if hook is None or not hook.active:
        db.session.rollback()
        raise DeliveryError("webhook removed or disabled", permanent=True)
    url, secret = hook.url, hook.secret
    db.session.rollback()  # no transaction stays open while the receiver answers
    body = bytes(message.payload)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: sign(secret, body),
        TIMESTAMP_HEADER: str(int(time.time())),
        TOPIC_HEADER: message.topic,
        DELIVERY_HEADER: message.subject,
    }
    # The delivery log shows these reasons to organizers: generic on purpose, so that it
    # tells nothing about the network behind the receiver's name (no port scanner).
    try:
        status = outbound.post(url, body, headers, timeout=TIMEOUT_SECONDS, **url_policy())
    except outbound.UnsafeTarget as error:
        raise DeliveryError(f"refused: {error.code}") from error
    except OSError as error:
        raise DeliveryError("connection failed") from error
    if not 200 <= status < 300:
        # 3xx too: redirects are not followed (they could point inside).
        raise DeliveryError(f"HTTP {status}", status_code=status)
    return status


def url_policy() -> dict[str, bool]:
    """Which receivers are allowed: https to public addresses, unless the development
    settings say otherwise (never on a production site)."""
    config = current_app.config
    development = not is_production(config)
    return {
        "allow_http": development and bool(config.get("FESTA_DEV_WEBHOOKS_ALLOW_HTTP")),
        "allow_private": development and bool(config.get("FESTA_DEV_WEBHOOKS_ALLOW_PRIVATE")),
    }


def check_receiver_url(url: str) -> None:
    """Refuse a receiver URL that is not allowed (FestaError naming the `url` field)."""
    try:
        outbound.check_url(url, **url_policy())
    except outbound.UnsafeTarget as error:
        raise FestaError(error.code, str(error), status=422,
                         fields={"url": [str(error)]}) from error


def recipients(event_id: int) -> list[str]:
    """The host names that receive this event's notifications (for the privacy notice)."""
    urls = db.session.scalars(sa.select(Webhook.url).where(
        Webhook.event_id == event_id, Webhook.active.is_(True)).order_by(Webhook.id))
    hosts = (urlsplit(url).hostname or "" for url in urls)
    return list(dict.fromkeys(host for host in hosts if host))


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


def checkin_payload(scan, ticket, checkpoint) -> dict[str, Any]:
    """The data of checkin.created notifications."""
    return {
        "scan_id": scan.id,
        "ticket_id": ticket.id,
        "registration_id": ticket.registration_id,
        "checkpoint_id": checkpoint.id,
        "checkpoint": checkpoint.name,
        "scanned_at": scan.scanned_at.isoformat(),
        "mode": scan.mode,
    }


def on_registration_created(registration, **_data) -> list[OutboxMessage]:
    return queue_event(registration.event_id, "registration.created",
                       registration_payload(registration))


def on_registration_cancelled(registration, **_data) -> list[OutboxMessage]:
    return queue_event(registration.event_id, "registration.cancelled",
                       registration_payload(registration))


def on_checkin_created(scan, *, ticket, checkpoint, **_data) -> list[OutboxMessage]:
    return queue_event(checkpoint.event_id, "checkin.created",
                       checkin_payload(scan, ticket, checkpoint))


def init_app(app: Flask) -> None:
    """Deliver webhook calls from the outbox, and queue them when the lower areas say that
    something happened (festa.signals; connecting twice changes nothing)."""
    register_deliverer(OutboxKind.WEBHOOK, deliver)
    # The registration page names the receivers in its privacy notice; it asks through
    # this template global rather than importing an area above its own.
    app.add_template_global(recipients, "webhook_recipients")
    signals.registration_created.connect(on_registration_created)
    signals.registration_cancelled.connect(on_registration_cancelled)
    signals.checkin_created.connect(on_checkin_created)


# ------------------------------------------------------------------ organizers' changes


def create_webhook(event_id: int, url: str, topics: list[str]) -> Webhook:
    """A new webhook with a fresh secret. Caller commits."""
    unknown = [t for t in topics if t not in TOPICS]
    if unknown or not topics:
        raise FestaError("unknown_topic", f"Unknown topics: {', '.join(unknown) or '-'}",
                         status=422, fields={"topics": ["choose from " + ", ".join(TOPICS)]})
    check_receiver_url(url)
    hook = Webhook(event_id=event_id, url=url, secret=new_secret(), topics=",".join(topics))
    db.session.add(hook)
    db.session.flush()
    record("webhook.create", hook, details={"url": url, "topics": topics})
    return hook


def set_active(hook: Webhook, active: bool) -> None:
    if hook.active != active:
        hook.active = active
        record("webhook.enable" if active else "webhook.disable", hook)


def delete_webhook(hook: Webhook) -> None:
    """Delete a webhook; its queued and logged deliveries go with it."""
    record("webhook.delete", hook, details={"url": hook.url})
    db.session.delete(hook)


def event_webhooks(event_id: int) -> list[Webhook]:
    return list(db.session.scalars(
        sa.select(Webhook).where(Webhook.event_id == event_id).order_by(Webhook.id)))


def deliveries(event_id: int, limit: int = 50) -> list[OutboxMessage]:
    """The latest webhook calls of the event (the delivery log), newest first."""
    return list(db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.event_id == event_id, OutboxMessage.kind == OutboxKind.WEBHOOK)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(limit)))
