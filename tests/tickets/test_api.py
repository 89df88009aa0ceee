"""GET /api/v1/tickets/{code}: valid, revoked or unknown — and never personal data."""

from __future__ import annotations

import pytest

from festa.extensions import db
from festa.tickets.codes import sign_ticket
from festa.tickets.services import revoke_ticket
from tests.factories import make_ticket


@pytest.fixture
def ticket(app):
    ticket = make_ticket(name="홍길동", email="hong@example.test")
    db.session.commit()
    return ticket


def _status(client, code: str) -> dict:
    response = client.get(f"/api/v1/tickets/{code}")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"valid", "event", "status"}
    return body


def test_valid_ticket(client, ticket):
    body = _status(client, ticket.code)
    assert body == {"valid": True, "event": ticket.event.slug, "status": "valid"}


def test_no_personal_data(client, ticket):
    raw = client.get(f"/api/v1/tickets/{ticket.code}").get_data(as_text=True)
    assert "홍길동" not in raw and "hong@" not in raw


def test_revoked_ticket(client, ticket):
    revoke_ticket(ticket, "cancelled")
    db.session.commit()
    assert _status(client, ticket.code) == {
        "valid": False, "event": ticket.event.slug, "status": "revoked"}


def test_forged_unknown_and_malformed_codes(client, ticket):
    forged = ticket.code[:-10] + ("A" if ticket.code[-10] != "A" else "B") + ticket.code[-9:]
    never_issued, _ = sign_ticket(4242, ticket.event_id)
    for code in (forged, never_issued, "abc", ticket.code[:-1]):
        assert _status(client, code) == {"valid": False, "event": None, "status": "unknown"}


def test_described_in_openapi(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/tickets/{code}"]["get"]
    schema_ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    name = schema_ref.rsplit("/", 1)[1]
    assert set(spec["components"]["schemas"][name]["properties"]) == {"valid", "event", "status"}
