""""Delete my data" deletes it everywhere, in one transaction: the registration, its
bookmarks, the mail and webhook calls about it (pending ones cancelled, delivered ones
scrubbed), the scan answers kept for replays; the audit log records it without the person."""

from __future__ import annotations

import sqlalchemy as sa

from festa.audit.models import AuditEntry
from festa.checkin.models import Scan
from festa.extensions import db
from festa.outbox.models import OutboxKind, OutboxMessage, OutboxStatus
from festa.registration import services
from festa.registration.models import Bookmark, Registration
from festa.webhooks.models import Webhook
from tests.checkin.helpers import device_token, setup_event
from tests.factories import make_room, make_session

NAME, EMAIL, ORG = "홍길동", "gildong@example.com", "서울시청"


def _everything_about_one_person(client):
    event, entrance, _holders = setup_event(tickets=0)
    session = make_session(event, make_room(venue=event.venue))
    db.session.add(Webhook(event_id=event.id, url="https://hooks.example.com/festa",
                           secret="s" * 20, topics="registration.created,"
                           "registration.cancelled,checkin.created"))
    db.session.commit()
    body = client.post(f"/api/v1/events/{event.slug}/registrations", json={
        "name": NAME, "email": EMAIL, "organization": ORG, "consent": True}).get_json()
    registration = db.session.get(Registration, body["registration"]["id"])
    # The first call went out already; the others still wait.
    created = db.session.scalar(sa.select(OutboxMessage).where(
        OutboxMessage.topic == "registration.created"))
    created.status = OutboxStatus.SENT
    db.session.add(Bookmark(registration_id=registration.id, session_id=session.id))
    db.session.commit()
    scan = client.post(f"/api/v1/checkpoints/{entrance.id}/scans",
                       json={"code": body["ticket"]["code"], "client_scan_id": "s-1"},
                       headers={"Authorization": f"Bearer {device_token(entrance)}"})
    assert scan.get_json()["attendee"]["name"] == NAME
    return registration, entrance


def _rendered(message: OutboxMessage) -> bytes:
    return bytes(message.payload or b"") + str(message.params or "").encode()


def test_delete_my_data_erases_every_copy(client):
    registration, entrance = _everything_about_one_person(client)
    services.anonymize(registration)

    for message in db.session.scalars(sa.select(OutboxMessage)):
        for secret in (NAME, EMAIL, ORG):
            assert secret.encode() not in _rendered(message), (message.topic, secret)
    webhooks = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.kind == OutboxKind.WEBHOOK).order_by(OutboxMessage.id)).all()
    # The delivered call is kept, scrubbed; the waiting check-in call is cancelled; the
    # cancellation is told without the person.
    assert [(m.topic, m.status) for m in webhooks] == [
        ("registration.created", "sent"), ("registration.cancelled", "pending")]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Bookmark)) == 0
    assert all("attendee" not in s.response for s in db.session.scalars(sa.select(Scan)))

    replay = client.post(f"/api/v1/checkpoints/{entrance.id}/scans",
                         json={"code": "whatever", "client_scan_id": "s-1"},
                         headers={"Authorization": f"Bearer {device_token(entrance, 'b')}"})
    assert NAME not in replay.get_data(as_text=True)

    entry = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "registration.anonymize"))
    assert entry.target_id == registration.id and entry.event_id == registration.event_id
    assert not any(s in str(entry.details) for s in (NAME, EMAIL, ORG))
