"""Webhooks: signed JSON notifications to organizer-configured URLs, sent from the outbox.

`queue_event` writes one outbox row per subscribed webhook in the caller's transaction,
so a notification exists exactly when the change it describes was committed. The row
holds ids and the few facts of the moment (a registration's status then); the outbox
worker renders the JSON body from the database after the commit (`render_body`, once:
retries send the same bytes) and delivers it with `deliver` (the deliverer of kind
"webhook"), retrying with back-off when the receiver fails.

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
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, current_app

from festa import signals
from festa.audit.services import record
from festa.checkin.models import Checkpoint, Scan
from festa.config import is_production
from festa.core import outbound
from festa.core.lookups import lookups
from festa.core.transactions import transactional
from festa.dbtypes import utcnow
from festa.errors import FestaError
from festa.extensions import db
from festa.outbox.models import OutboxKind, OutboxMessage, OutboxStatus
from festa.outbox.services import (
    DeliveryError,
    Rendered,
    enqueue,
    register_deliverer,
    register_renderer,
)
from festa.registration.models import Registration
from festa.tickets.models import Ticket
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


@dataclass(frozen=True)
class Receiver:
    """An active webhook as queue_event needs it."""

    id: int
    url: str
    topics: tuple[str, ...]


def subscribers(event_id: int, topic: str) -> list[Receiver]:
    """The event's active webhooks subscribed to `topic`. Kept LOOKUP_CACHE_SECONDS per
    process (every check-in asks): a change made here is seen at once (`_forget_receivers`),
    one made by another process within those seconds."""
    receivers = lookups().get(("webhooks", event_id), lambda: _load_receivers(event_id))
    return [hook for hook in receivers if topic in hook.topics]


def _load_receivers(event_id: int) -> tuple[Receiver, ...]:
    rows = db.session.execute(
        sa.select(Webhook.id, Webhook.url, Webhook.topics)
        .where(Webhook.event_id == event_id, Webhook.active.is_(True)).order_by(Webhook.id))
    return tuple(Receiver(id=row.id, url=row.url, topics=tuple(topic_list(row.topics)))
                 for row in rows)


@sa.event.listens_for(Webhook, "after_insert")
@sa.event.listens_for(Webhook, "after_update")
@sa.event.listens_for(Webhook, "after_delete")
def _forget_receivers(_mapper, _connection, hook: Webhook) -> None:
    """Any change to a webhook, however it is made, drops this process's copy."""
    lookups().forget(("webhooks", hook.event_id))


def topic_list(topics: str) -> list[str]:
    return [t.strip() for t in (topics or "").split(",") if t.strip()]


def queue_event(event_id: int, topic: str, facts: dict[str, Any]) -> list[OutboxMessage]:
    """Queue `topic` for every active webhook of the event subscribed to it. `facts` are the
    ids and what must be told as it is now (a registration's status then); the worker adds
    the rest from the database when it renders the body (`render_body`).

    Adds the rows to the current transaction; the caller commits (with its own change).
    Returns the queued messages (none when nobody subscribed).
    """
    if topic not in TOPICS:
        raise ValueError(f"unknown webhook topic {topic!r}")
    params = {"created_at": utcnow().isoformat(), "facts": facts}
    return [
        enqueue(OutboxKind.WEBHOOK, topic, hook.url, subject=str(uuid.uuid4()),
                event_id=event_id, webhook_id=hook.id,
                registration_id=facts.get("registration_id"), params=params)
        for hook in subscribers(event_id, topic)
    ]


def render_body(message: OutboxMessage) -> Rendered:
    """The JSON body of a queued call: the facts kept in the row, completed from the
    database as it is now (the outbox's renderer for webhook topics)."""
    params = message.params or {}
    facts = params.get("facts") or {}
    if message.topic == "checkin.created":
        data = {**scan_details(facts.get("scan_id")), **facts}
    else:
        data = {**registration_details(message.registration_id), **facts}
    body = {"id": message.subject, "topic": message.topic, "created_at": params.get("created_at"),
            "data": data}
    return Rendered(json.dumps(body, ensure_ascii=False, default=str).encode(), message.subject)


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


def registration_facts(registration: Registration) -> dict[str, Any]:
    """What a registration.* call tells as it was at the change (statuses move on)."""
    return {
        "registration_id": registration.id,
        "status": registration.status,
        "sessions": [{"id": r.session_id, "status": r.status}
                     for r in registration.reservations],
    }


def registration_details(registration_id: int | None) -> dict[str, Any]:
    """Who registered, read when the call is rendered (no more personal data than needed;
    an anonymised registration tells its blanks)."""
    registration = db.session.get(Registration, registration_id) if registration_id else None
    if registration is None:
        return {}
    return {
        "event": registration.event.slug if registration.event else None,
        "name": registration.name,
        "email": registration.email,
        "organization": registration.organization,
    }


def scan_details(scan_id: int | None) -> dict[str, Any]:
    """Where and when someone was let in, read from the scan."""
    row = db.session.execute(
        sa.select(Scan, Ticket.registration_id, Checkpoint.name)
        .join(Ticket, Ticket.id == Scan.ticket_id)
        .join(Checkpoint, Checkpoint.id == Scan.checkpoint_id)
        .where(Scan.id == scan_id)
    ).first() if scan_id else None
    if row is None:
        return {}
    scan, registration_id, checkpoint = row
    return {
        "ticket_id": scan.ticket_id,
        "registration_id": registration_id,
        "checkpoint_id": scan.checkpoint_id,
        "checkpoint": checkpoint,
        "scanned_at": scan.scanned_at.isoformat(),
        "mode": scan.mode,
    }


def on_registration_created(registration, **_data) -> list[OutboxMessage]:
    return queue_event(registration.event_id, "registration.created",
                       registration_facts(registration))


def on_registration_cancelled(registration, **_data) -> list[OutboxMessage]:
    return queue_event(registration.event_id, "registration.cancelled",
                       registration_facts(registration))


def listens_for_checkin(*, event_id: int, **_facts) -> bool:
    """Whether `on_checkin_created` would queue a call at this event (what that receiver
    reads). Asked before the scan: a scan nobody listens to runs alone, even the one that
    finds the receivers expired (their read is over before the scan begins)."""
    return bool(subscribers(event_id, "checkin.created"))


def listens_for_registration(*, event_id: int, **_facts) -> bool:
    """Whether `on_registration_created` would queue a call at this event (what that
    receiver reads), asked before the registration is recorded (festa.registration.
    recording: alone when nobody listens)."""
    return bool(subscribers(event_id, "registration.created"))


def on_checkin_created(scan, *, ticket, checkpoint, **_data) -> list[OutboxMessage]:
    return queue_event(checkpoint.event_id, "checkin.created",
                       {"scan_id": scan.id, "registration_id": ticket.registration_id})


# What registration.* and checkin.* payloads say about the person.
PERSONAL_KEYS = ("name", "email", "organization")


def forget_registration(registration, **_data) -> list:
    """The person's data was erased: calls not yet delivered are cancelled (deleted), the
    delivery log of the others keeps no name, address or organisation."""
    pending = OutboxMessage.status == OutboxStatus.PENDING
    mine = (OutboxMessage.kind == OutboxKind.WEBHOOK,
            OutboxMessage.registration_id == registration.id)
    db.session.execute(sa.delete(OutboxMessage).where(*mine, pending))
    for message in db.session.scalars(sa.select(OutboxMessage).where(*mine)):
        if message.payload:
            message.payload = _scrubbed(message.payload)
    return []


def _scrubbed(payload: bytes) -> bytes:
    try:
        body = json.loads(payload)
    except ValueError:
        return b"{}"  # not ours to read: keep nothing
    data = body.get("data") if isinstance(body, dict) else None
    if isinstance(data, dict):
        for key in PERSONAL_KEYS:
            if key in data:
                data[key] = None
    return json.dumps(body, ensure_ascii=False).encode()


def init_app(app: Flask) -> None:
    """Deliver webhook calls from the outbox, and queue them when the lower areas say that
    something happened (festa.signals; connecting twice changes nothing)."""
    register_deliverer(OutboxKind.WEBHOOK, deliver)
    register_renderer(OutboxKind.WEBHOOK, TOPICS, render_body)
    # The registration page names the receivers in its privacy notice; it asks through
    # this template global rather than importing an area above its own.
    app.add_template_global(recipients, "webhook_recipients")
    signals.connect(signals.registration_created, on_registration_created,
                    listens=listens_for_registration)
    signals.registration_cancelled.connect(on_registration_cancelled)
    signals.connect(signals.checkin_created, on_checkin_created, listens=listens_for_checkin)
    signals.registration_erased.connect(forget_registration)


# ------------------------------------------------------------------ organizers' changes


@transactional
def create_webhook(event_id: int, url: str, topics: list[str]) -> Webhook:
    """A new webhook with a fresh secret."""
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


@transactional
def set_active(hook: Webhook, active: bool) -> None:
    if hook.active != active:
        hook.active = active
        record("webhook.enable" if active else "webhook.disable", hook)


@transactional
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
