"""A registration's and a scan's cost does not depend on how big the event already is:
the same number of SQL statements at a small event and at one with many sessions,
attendees and check-ins (issue 12: no lazy loads that grow with the event) — and so for
the confirmation mail the outbox worker renders after the registration's commit."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from festa.checkin.devices import entrance_checkpoint
from festa.checkin.services import decide_scan
from festa.extensions import db
from festa.outbox.models import OutboxMessage
from festa.outbox.services import rendered
from tests.checkin.helpers import device_token, make_ticket
from tests.factories import make_event, make_room, make_session, seoul


def build(sessions: int, attendees: int):
    """A published event with `sessions` sessions (every tenth one takes reservations),
    `attendees` ticket holders (the first half already in), its entrance and a device."""
    event = make_event(capacity=None)
    room = make_room(venue=event.venue)
    workshops = []
    for n in range(sessions):
        session = make_session(event, room, start=seoul(event.start_date, 9, 0),
                               minutes=30 + n % 7, reservation_required=n % 10 == 0,
                               capacity=100_000 if n % 10 == 0 else None)
        if n % 10 == 0:
            workshops.append(session)
    tickets = [make_ticket(event, sessions=workshops[:1]) for _ in range(attendees)]
    entrance = entrance_checkpoint(event)
    db.session.commit()
    for ticket in tickets[:attendees // 2]:
        decide_scan(entrance, ticket.code)
    newcomer = make_ticket(event)
    db.session.commit()
    return event, workshops[0], entrance, device_token(entrance), newcomer


def costs(client, count_queries, size: tuple[int, int], n: int) -> tuple[int, list[str], int]:
    """Statements of one registration (with a reserved session) and one first check-in,
    over HTTP (the scanner's device already seen by this process, as at a busy door), and
    of rendering the registration's confirmation mail as the outbox worker does."""
    event, workshop, entrance, token, newcomer = build(*size)
    slug, workshop_id, entrance_id, code = event.slug, workshop.id, entrance.id, newcomer.code
    db.session.remove()  # nothing preloaded: each request starts like a real one
    with count_queries() as registration:
        response = client.post(f"/api/v1/events/{slug}/registrations", json={
            "name": f"참가자 {n}", "email": f"newcomer{n}@example.test", "consent": True,
            "sessions": [workshop_id]})
    assert response.status_code == 201, response.get_json()
    db.session.remove()
    message = db.session.scalar(sa.select(OutboxMessage).where(
        OutboxMessage.recipient == f"newcomer{n}@example.test"))
    with count_queries() as mail:
        content = rendered(message)
    assert content.payload and message.payload is None  # rendered now, from ids
    db.session.remove()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/checkpoints", headers=headers).status_code == 200
    with count_queries() as scan:
        response = client.post(f"/api/v1/checkpoints/{entrance_id}/scans",
                               json={"code": code, "client_scan_id": f"gate-1:{n}"},
                               headers=headers)
    assert response.get_json()["result"] == "ok"
    return registration.count, scan.statements, mail.count


@pytest.mark.app_config(RATELIMIT_ENABLED=False)
def test_same_statements_at_a_small_and_a_large_event(client, count_queries, is_postgres):
    small, small_scan, small_mail = costs(client, count_queries, (5, 4), 1)
    large, large_scan, large_mail = costs(client, count_queries, (200, 120), 2)
    assert (small, len(small_scan), small_mail) == (large, len(large_scan), large_mail), (
        f"registration, scan, mail statements: small {small, small_scan, small_mail}, "
        f"large {large, large_scan, large_mail}")
    if is_postgres:  # a scan is one round trip: the device and its checkpoint were kept
        assert len(large_scan) == 1 and "festa_scan(" in large_scan[0], large_scan
