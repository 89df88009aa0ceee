"""schemathesis against /api/v1/openapi.json: no 5xx, every response matches its schema.

Bounded: a handful of examples per operation, against the app in-process (WSGI), with a
small published programme so that valid slugs and ids exist next to generated ones.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from festa import create_app
from festa.extensions import db
from tests.factories import make_event, make_registration, make_session, make_ticket

MAX_EXAMPLES = 20

# schemathesis sends `Accept-Encoding: gzip` but reads WSGI bodies as they come: compression
# (tested in tests/checkin/test_api.py) stays off here so it checks the JSON itself.
pytestmark = pytest.mark.app_config(COMPRESS_MIMETYPES=[])


def _document() -> dict:
    """The OpenAPI document as the app serves it (building it needs no database)."""
    app = create_app({"TESTING": True})
    return app.test_client().get("/api/v1/openapi.json").get_json()


schema = schemathesis.openapi.from_dict(_document())


@pytest.fixture
def seeded(app):
    """A published event with a reservable session and a ticket holder."""
    event = make_event(slug="ai-seoul-test")
    make_session(event, capacity=10, reservation_required=True)
    make_ticket(make_registration(event))
    db.session.commit()
    return app


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_document(case, seeded):
    case.call_and_validate(app=seeded)


@pytest.mark.parametrize(("path", "params", "query"), [
    ("/api/v1/events", {}, {}),
    ("/api/v1/events/{slug}/sessions", {"slug": "ai-seoul-test"}, {}),
    ("/api/v1/events/{slug}/schedule.json", {"slug": "ai-seoul-test"}, {"lang": "en"}),
    ("/api/v1/events/{slug}/schedule.xml", {"slug": "ai-seoul-test"}, {}),
    ("/api/v1/events/{slug}/schedule.ics", {"slug": "ai-seoul-test"}, {}),
])
def test_known_good_requests_conform(seeded, path, params, query):
    """Random slugs mostly miss; these hit real data and must match their schemas too."""
    case = schema[path]["GET"].Case(path_parameters=params, query=query)
    response = case.call_and_validate(app=seeded)
    assert response.status_code == 200


def test_openapi_document_lists_the_contract(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/events", "/api/v1/events/{slug}/sessions",
                 "/api/v1/events/{slug}/schedule.json", "/api/v1/events/{slug}/schedule.xml",
                 "/api/v1/events/{slug}/schedule.ics", "/api/v1/events/{slug}/registrations",
                 "/api/v1/registrations/{registration_id}", "/api/v1/tickets/{code}",
                 "/api/v1/checkpoints", "/api/v1/checkpoints/{checkpoint_id}/scans",
                 "/api/v1/checkpoints/{checkpoint_id}/offline-bundle",
                 "/api/v1/events/{slug}/stats"):
        assert path in paths, path


def test_authenticated_requests_conform(seeded):
    """The endpoints behind tokens, called as their real clients call them."""
    from festa.auth.tokens import issue_token
    from festa.checkin.devices import create_device, entrance_checkpoint
    from festa.program.models import Event
    from tests.factories import make_user

    event = db.session.query(Event).filter_by(slug="ai-seoul-test").one()
    checkpoint = entrance_checkpoint(event)
    _device, device_token = create_device(checkpoint, "gate")
    organizer_token = issue_token(make_user(role="organizer", teams=(event,)))
    db.session.commit()

    # Bound to the app: some checks (e.g. "is auth really required") send requests again.
    live = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", seeded)

    def call(path, method="GET", token=None, **parts):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return live[path][method].Case(headers=headers, **parts).call_and_validate()

    created = call("/api/v1/events/{slug}/registrations", "POST",
                   path_parameters={"slug": "ai-seoul-test"},
                   body={"name": "김민지", "email": "minji@example.test", "consent": True})
    assert created.status_code == 201
    body = created.json()
    registration_id, manage_token = body["registration"]["id"], body["manage_token"]
    assert call("/api/v1/registrations/{registration_id}", token=manage_token,
                path_parameters={"registration_id": registration_id}).status_code == 200
    assert call("/api/v1/tickets/{code}",
                path_parameters={"code": body["ticket"]["code"]}).status_code == 200
    assert call("/api/v1/checkpoints", token=device_token).status_code == 200
    scan = call("/api/v1/checkpoints/{checkpoint_id}/scans", "POST", token=device_token,
                path_parameters={"checkpoint_id": checkpoint.id},
                body={"code": body["ticket"]["code"], "client_scan_id": "s-1"})
    assert scan.json()["result"] == "ok"
    assert call("/api/v1/checkpoints/{checkpoint_id}/offline-bundle", token=device_token,
                path_parameters={"checkpoint_id": checkpoint.id}).status_code == 200
    assert call("/api/v1/events/{slug}/stats", token=organizer_token,
                path_parameters={"slug": "ai-seoul-test"}).status_code == 200
    assert call("/api/v1/registrations/{registration_id}", "DELETE", token=organizer_token,
                path_parameters={"registration_id": registration_id}).status_code == 200


def test_lists_page_with_link_and_total_headers(client, programme):
    whole = client.get("/api/v1/events/ai-seoul-test/sessions")
    assert whole.headers["X-Total-Count"] == "4" and len(whole.get_json()) == 4
    assert "Link" not in whole.headers
    second = client.get("/api/v1/events/ai-seoul-test/sessions?page=2&per_page=3&lang=en")
    assert second.status_code == 200
    assert [s["id"] for s in second.get_json()] == [whole.get_json()[3]["id"]]
    links = second.headers["Link"]
    assert 'page=1&per_page=3>; rel="first"' in links and 'rel="prev"' in links
    assert 'rel="next"' not in links and "lang=en" in links
    first = client.get("/api/v1/events/ai-seoul-test/sessions?per_page=3")
    assert len(first.get_json()) == 3 and 'page=2&per_page=3>; rel="next"' in first.headers["Link"]
    assert client.get("/api/v1/events?page=1").headers["X-Total-Count"] == "1"
    bad = client.get("/api/v1/events/ai-seoul-test/sessions?per_page=100000")
    assert bad.status_code == 422 and "per_page" in bad.get_json()["error"]["fields"]


def _properties(document: dict, name: str) -> dict:
    return document["components"]["schemas"][name]["properties"]


def test_times_are_marked_date_time_and_rooms_tracks_are_typed():
    """Generated clients parse every time as a time and get room and track as classes."""
    document = _document()
    for schema, names in {"Event": ("start", "end"), "EventDetail": ("start", "end"),
                          "Session": ("start", "end"), "MovedSession": ("start", "end"),
                          "SessionMoveIn": ("start", "end"), "EventRef": ("ends_at",),
                          "Previous": ("at",), "ScanRequest": ("scanned_at",),
                          "OfflineBundle": ("generated_at",), "Stats": ("generated_at",),
                          "Arrival": ("start",)}.items():
        for name in names:
            assert _properties(document, schema)[name]["format"] == "date-time", (schema, name)
    conference = _properties(document, "FrabConference")
    assert conference["start"]["format"] == conference["end"]["format"] == "date"
    # Nothing that looks like a time is left an unmarked string.
    for schema, body in document["components"]["schemas"].items():
        for name, prop in body.get("properties", {}).items():
            if name in {"start", "end", "at"} or name.endswith("_at"):
                assert "format" in prop, (schema, name)

    # Typed objects, or null: never "any object" (which would let a wrong shape through).
    for schema, name, ref in (("Session", "room", "RoomRef"), ("Session", "track", "TrackRef"),
                              ("MovedSession", "room", "RoomRef"),
                              ("Checkpoint", "room", "RoomRef"),
                              ("Checkpoint", "session", "SessionRef")):
        prop = _properties(document, schema)[name]
        assert prop == {"allOf": [{"$ref": f"#/components/schemas/{ref}"}], "nullable": True}
    assert set(_properties(document, "RoomRef")) == {"id", "name"}
    assert set(_properties(document, "TrackRef")) == {"id", "name", "color"}
    assert "{'type': 'object', 'nullable': True}" not in str(document)
