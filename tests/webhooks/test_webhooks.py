"""Webhooks: queued with the change, delivered from the outbox to a real HTTP receiver,
signed with HMAC-SHA256, retried with back-off when the receiver fails."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from festa.checkin.devices import entrance_checkpoint
from festa.checkin.services import decide_scan
from festa.dbtypes import utcnow
from festa.extensions import db
from festa.outbox.models import OutboxMessage, OutboxStatus
from festa.outbox.services import deliver_due
from festa.registration.services import cancel_registration, register
from festa.webhooks import services as webhooks
from festa.webhooks.models import Webhook
from tests.factories import make_event


class Receiver:
    """An HTTP server on 127.0.0.1:<free port> that records requests and answers `status`."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.headers: dict[str, str] = {}  # extra answer headers (e.g. Location)
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body,
                                          "path": self.path})
                self.send_response(receiver.status)
                for name, value in receiver.headers.items():
                    self.send_header(name, value)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def _message() -> OutboxMessage:
    """The one outbox row, read afresh (a delivery pass detaches the instances it sent)."""
    query = sa.select(OutboxMessage).execution_options(populate_existing=True)
    return db.session.scalar(query)


def _hook(event, url, topics="registration.created,checkin.created"):
    hook = Webhook(event_id=event.id, url=url, secret=webhooks.new_secret(), topics=topics)
    db.session.add(hook)
    db.session.flush()
    return hook


def test_queue_event_writes_one_row_per_subscribed_hook(app):
    event = make_event()
    _hook(event, "http://127.0.0.1:9/a")
    _hook(event, "http://127.0.0.1:9/b", topics="registration.cancelled")
    other = make_event()
    _hook(other, "http://127.0.0.1:9/c")
    db.session.commit()
    messages = webhooks.queue_event(event.id, "registration.created", {"registration_id": None})
    db.session.commit()
    assert [m.recipient for m in messages] == ["http://127.0.0.1:9/a"]
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 1
    with pytest.raises(ValueError):
        webhooks.queue_event(event.id, "nonsense", {})


def test_nothing_is_queued_when_the_change_rolls_back(app):
    event = make_event()
    _hook(event, "http://127.0.0.1:9/a")
    db.session.commit()
    webhooks.queue_event(event.id, "checkin.created", {"scan_id": 1})
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def test_delivery_is_signed_and_verifiable(app, receiver):
    event = make_event()
    hook = _hook(event, receiver.url)
    db.session.commit()
    webhooks.queue_event(event.id, "registration.created",
                         {"registration_id": None, "name": "김민지"})
    db.session.commit()
    assert deliver_due() == 1
    [request] = receiver.requests
    headers = {k.lower(): v for k, v in request["headers"].items()}
    signature = headers["x-festa-signature"]
    assert signature.startswith("sha256=")
    assert webhooks.verify(hook.secret, request["body"], signature)
    assert not webhooks.verify("wrong-secret", request["body"], signature)
    assert int(headers["x-festa-timestamp"]) > 0
    assert headers["x-festa-topic"] == "registration.created"
    body = json.loads(request["body"])
    assert body["topic"] == "registration.created"
    assert body["data"]["name"] == "김민지"
    assert headers["x-festa-delivery"] == body["id"]
    message = _message()
    assert message.status == OutboxStatus.SENT
    assert message.last_status_code == 200


def test_failing_receiver_is_retried_later(app, receiver):
    receiver.status = 500
    event = make_event()
    _hook(event, receiver.url)
    db.session.commit()
    webhooks.queue_event(event.id, "checkin.created", {"scan_id": 7})
    db.session.commit()
    assert deliver_due() == 0
    message = _message()
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 1 and message.last_status_code == 500
    assert message.next_attempt_at > utcnow()
    # Not due yet: a second pass right away sends nothing.
    assert deliver_due() == 0
    assert len(receiver.requests) == 1
    # Once the back-off has passed, the (now healthy) receiver gets the same body again.
    receiver.status = 204
    _message().next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert deliver_due() == 1
    assert len(receiver.requests) == 2
    assert receiver.requests[0]["body"] == receiver.requests[1]["body"]
    message = _message()
    assert message.status == OutboxStatus.SENT and message.attempts == 2


def test_unreachable_receiver_and_disabled_hook(app):
    event = make_event()
    hook = _hook(event, "http://127.0.0.1:9/closed")
    db.session.commit()
    webhooks.queue_event(event.id, "checkin.created", {"scan_id": 1})
    db.session.commit()
    assert deliver_due() == 0
    message = _message()
    assert message.status == OutboxStatus.PENDING and "connection" in message.last_error
    db.session.get(Webhook, hook.id).active = False
    _message().next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert deliver_due() == 0
    assert _message().status == OutboxStatus.FAILED


def test_rows_hold_ids_and_the_worker_renders_the_body_once(app, receiver):
    """The registration's transaction writes ids and the status of the moment; the body is
    rendered from the database after the commit (a later cancellation does not rewrite
    what registration.created told), and a retry sends the same bytes."""
    event = make_event()
    _hook(event, receiver.url, topics="registration.created,checkin.created")
    db.session.commit()
    registration = register(event, "김민지", "minji@example.test")
    (row,) = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.kind == "webhook")).all()
    assert row.payload is None and row.params["facts"]["status"] == "confirmed"
    decide_scan(entrance_checkpoint(event), registration.ticket.code)
    cancel_registration(registration)  # not subscribed: nothing more queued
    receiver.status = 500
    assert deliver_due() == 0  # rendered, kept, the receiver failed
    first_try = [r["body"] for r in receiver.requests]
    receiver.status = 200
    db.session.execute(sa.update(OutboxMessage).values(next_attempt_at=utcnow()))
    db.session.commit()
    assert deliver_due() == 2
    assert [r["body"] for r in receiver.requests[2:]] == first_try  # the same bytes
    bodies = {b["topic"]: b for b in map(json.loads, first_try)}
    created = bodies["registration.created"]["data"]
    assert (created["registration_id"], created["name"], created["email"], created["status"]) == (
        registration.id, "김민지", "minji@example.test", "confirmed")
    scanned = bodies["checkin.created"]["data"]
    assert scanned["registration_id"] == registration.id
    assert scanned["ticket_id"] == registration.ticket.id and scanned["checkpoint"]
    assert scanned["scanned_at"] and scanned["mode"] == "online"
