"""The scan API, the offline bundle, door search and the stats, as the contract says."""

import gzip
import json
import time

import pytest
import sqlalchemy as sa

from festa.auth.services import hash_token
from festa.checkin.devices import revoke_device
from festa.checkin.models import Device, Scan
from festa.core.lookups import lookups
from festa.dbtypes import utcnow
from festa.extensions import db
from festa.tickets.codes import public_keys
from festa.tickets.services import revoke_ticket
from tests.checkin.helpers import device_token, make_ticket, room_checkpoint, setup_event
from tests.factories import make_event, make_session, make_user


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_device_token_reads_its_checkpoint_with_its_event(client):
    event, entrance, _tickets = setup_event()
    response = client.get("/api/v1/checkpoints", headers=bearer(device_token(entrance)))
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == entrance.id and body["is_entrance"] is True
    assert body["event"]["slug"] == event.slug
    assert body["admits"] == "event" and body["inside"] == 0


def test_scan_api_answers_in_the_contract_shape(client):
    _event, entrance, (ticket, _other) = setup_event()
    headers = bearer(device_token(entrance))
    url = f"/api/v1/checkpoints/{entrance.id}/scans"
    first = client.post(url, json={"code": ticket.code}, headers=headers)
    assert first.status_code == 200
    body = first.get_json()
    assert body["result"] == "ok" and body["attendee"] == {"name": ticket.registration.name}
    assert body["inside"] == 1
    second = client.post(url, json={"code": ticket.code, "direction": "entry"}, headers=headers)
    assert second.get_json()["result"] == "already_checked_in"
    assert set(second.get_json()["previous"]) == {"at", "checkpoint"}
    bad = client.post(url, json={"code": "nope"}, headers=headers)
    assert bad.get_json()["result"] == "invalid"
    scan = db.session.scalars(sa.select(Scan).order_by(Scan.id)).first()
    assert scan.device_id is not None and scan.mode == "online"


def test_scan_api_is_idempotent_per_client_scan_id(client):
    _event, entrance, (ticket, _other) = setup_event()
    headers = bearer(device_token(entrance))
    url = f"/api/v1/checkpoints/{entrance.id}/scans"
    body = {"code": ticket.code, "client_scan_id": "abc-1",
            "scanned_at": "2025-02-11T10:00:00+09:00"}
    first = client.post(url, json=body, headers=headers).get_json()
    again = client.post(url, json=body, headers=headers).get_json()
    assert first == again and first["result"] == "ok"
    assert db.session.scalar(sa.select(sa.func.count(Scan.id))) == 1
    assert db.session.scalar(sa.select(Scan.mode)) == "offline"


@pytest.mark.parametrize("body,field", [
    ({}, "code"),
    ({"code": "x", "direction": "sideways"}, "direction"),
    ({"code": "x", "scanned_at": "yesterday"}, "scanned_at"),
    ({"code": "x", "scanned_at": "2025-02-11T10:00:00"}, "scanned_at"),  # no offset
])
def test_bad_scan_bodies_are_422_naming_the_field(client, body, field):
    _event, entrance, _tickets = setup_event()
    response = client.post(f"/api/v1/checkpoints/{entrance.id}/scans", json=body,
                           headers=bearer(device_token(entrance)))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and field in error["fields"]


def test_exit_at_an_entry_only_checkpoint_is_422(client):
    _event, entrance, (ticket, _other) = setup_event()
    response = client.post(f"/api/v1/checkpoints/{entrance.id}/scans",
                           json={"code": ticket.code, "direction": "exit"},
                           headers=bearer(device_token(entrance)))
    assert response.status_code == 422
    assert "direction" in response.get_json()["error"]["fields"]


def test_undo_through_the_api(client):
    _event, entrance, (ticket, _other) = setup_event()
    headers = bearer(device_token(entrance))
    ok = client.post(f"/api/v1/checkpoints/{entrance.id}/scans", json={"code": ticket.code},
                     headers=headers).get_json()
    url = f"/api/v1/checkpoints/{entrance.id}/scans/{ok['scan_id']}/undo"
    undone = client.post(url, headers=headers)
    assert undone.status_code == 200 and undone.get_json()["inside"] == 0
    twice = client.post(url, headers=headers)
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "cannot_undo"


def test_offline_bundle_has_keys_revoked_codes_allowed_tickets_and_names(client):
    event, entrance, (ticket, gone) = setup_event()
    revoke_ticket(gone, "cancelled")
    workshop = make_session(event, reservation_required=True, capacity=10)
    booked = make_ticket(event, name="오세훈", sessions=[workshop])
    db.session.commit()
    client.post(f"/api/v1/checkpoints/{entrance.id}/scans", json={"code": ticket.code},
                headers=bearer(device_token(entrance)))
    body = client.get(f"/api/v1/checkpoints/{entrance.id}/offline-bundle",
                      headers=bearer(device_token(entrance))).get_json()
    assert body["public_keys"] == {str(k): v for k, v in public_keys().items()}
    assert body["event_id"] == event.id
    assert body["revoked_codes"] == [gone.code] and body["revoked_ticket_ids"] == [gone.id]
    assert body["allowed_ticket_ids"] == sorted([ticket.id, booked.id])
    assert body["names"][str(booked.id)] == "오세훈" and str(gone.id) not in body["names"]
    assert body["present_ticket_ids"] == [ticket.id]
    assert body["rules"]["admits"] == "event"
    assert ticket.code not in str(body)  # valid codes never leave the server

    door = room_checkpoint(event, "Workshop", session_id=workshop.id, admits="reservation")
    body = client.get(f"/api/v1/checkpoints/{door.id}/offline-bundle",
                      headers=bearer(device_token(door))).get_json()
    assert body["allowed_ticket_ids"] == [booked.id]
    assert body["names"] == {str(booked.id): "오세훈"}  # only those with a seat here


@pytest.mark.parametrize("query", ["ㅇㅅㅎ", "오세", "mayor@seoul.go.kr", "MAYOR@SEOUL.GO.KR"])
def test_door_search_by_name_initials_and_email(client, query):
    event, entrance, _tickets = setup_event()
    mayor = make_ticket(event, name="오세훈", email="mayor@seoul.go.kr")
    db.session.commit()
    hits = client.get(f"/api/v1/checkpoints/{entrance.id}/search", query_string={"q": query},
                      headers=bearer(device_token(entrance))).get_json()
    assert hits == [{"ticket_id": mayor.id, "name": "오세훈", "email": "ma***@seoul.go.kr",
                     "valid": True, "inside": False}]


@pytest.mark.parametrize("query", ["@", "mayor@", "@seoul.go.kr", "seoul.go", "mayor"])
def test_door_search_finds_an_address_only_whole(client, query):
    event, entrance, _tickets = setup_event()
    make_ticket(event, name="오세훈", email="mayor@seoul.go.kr")
    db.session.commit()
    hits = client.get(f"/api/v1/checkpoints/{entrance.id}/search", query_string={"q": query},
                      headers=bearer(device_token(entrance))).get_json()
    assert hits == []


def test_a_search_hit_is_scanned_by_ticket_id_with_the_same_rules(client):
    event, entrance, (ticket, _other) = setup_event()
    elsewhere = make_ticket(make_event())
    db.session.commit()
    headers = bearer(device_token(entrance))
    url = f"/api/v1/checkpoints/{entrance.id}/scans"
    first = client.post(url, json={"ticket_id": ticket.id}, headers=headers).get_json()
    assert first["result"] == "ok" and first["attendee"]["name"] == ticket.registration.name
    again = client.post(url, json={"code": ticket.code}, headers=headers).get_json()
    assert again["result"] == "already_checked_in"
    assert client.post(url, json={"ticket_id": elsewhere.id},
                       headers=headers).get_json()["result"] == "wrong_event"
    assert client.post(url, json={"ticket_id": 2**31 - 1},
                       headers=headers).get_json()["result"] == "invalid"
    for body in ({}, {"code": ticket.code, "ticket_id": ticket.id}, {"ticket_id": "1"},
                 {"ticket_id": 2**40}):
        refused = client.post(url, json=body, headers=headers)
        assert refused.status_code == 422, body


def test_door_search_is_audited_without_what_was_typed(client):
    from festa.audit.models import AuditEntry

    event, entrance, _tickets = setup_event()
    make_ticket(event, name="오세훈", email="mayor@seoul.go.kr")
    db.session.commit()
    client.get(f"/api/v1/checkpoints/{entrance.id}/search", query_string={"q": "오세훈"},
               headers=bearer(device_token(entrance)))
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "door.search"))
    assert entry.event_id == event.id and entry.device_id is not None
    assert entry.details == {"by": "name", "hits": 1}


@pytest.mark.app_config(RATELIMIT_ENABLED=True, DOOR_SEARCH_RATE_LIMIT="3 per minute")
def test_door_search_is_rate_limited_per_scanner(client):
    _event, entrance, _tickets = setup_event()
    first, second = device_token(entrance, "one"), device_token(entrance, "two")
    url = f"/api/v1/checkpoints/{entrance.id}/search"
    answers = [client.get(url, query_string={"q": "김"}, headers=bearer(first)).status_code
               for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert client.get(url, query_string={"q": "김"}, headers=bearer(second)).status_code == 200


def test_door_search_by_ticket_number_stays_in_the_event(client):
    from tests.factories import make_event

    event, entrance, (ticket, _other) = setup_event()
    elsewhere = make_ticket(make_event(), name="다른 행사")
    db.session.commit()
    headers = bearer(device_token(entrance))
    url = f"/api/v1/checkpoints/{entrance.id}/search"
    assert [h["ticket_id"] for h in client.get(
        url, query_string={"q": f"#{ticket.id}"}, headers=headers).get_json()] == [ticket.id]
    assert client.get(url, query_string={"q": str(elsewhere.id)},
                      headers=headers).get_json() == []
    assert client.get(url, query_string={"q": "다른"}, headers=headers).get_json() == []


def test_stats_for_organizers(client, auth):
    event, entrance, (a, b) = setup_event()
    room = room_checkpoint(event, "Hall", capacity=50)
    headers = bearer(device_token(entrance))
    client.post(f"/api/v1/checkpoints/{entrance.id}/scans", json={"code": a.code},
                headers=headers)
    client.post(f"/api/v1/checkpoints/{entrance.id}/scans", json={"code": "junk"},
                headers=headers)
    client.post(f"/api/v1/checkpoints/{room.id}/scans", json={"code": a.code},
                headers=bearer(device_token(room)))
    auth.login("organizer")
    body = client.get(f"/api/v1/events/{event.slug}/stats").get_json()
    assert (body["registrations"], body["checked_in"], body["inside"], body["no_shows"]) == (
        2, 1, 1, 1)
    assert body["waitlist"] == 0
    per = {("Entrance" if c["is_entrance"] else c["name"]): c for c in body["checkpoints"]}
    assert per["Entrance"]["checked_in"] == 1 and per["Entrance"]["refused"] == 1
    assert per["Hall"]["inside"] == 1 and per["Hall"]["capacity"] == 50
    assert sum(bucket["count"] for bucket in body["arrivals"]) == 1


def test_stats_need_an_organizer(client, auth):
    event, _entrance, _tickets = setup_event()
    assert client.get(f"/api/v1/events/{event.slug}/stats").status_code == 401
    auth.login("door")
    assert client.get(f"/api/v1/events/{event.slug}/stats").status_code == 403


def test_logged_in_door_staff_scan_with_the_page_csrf_token(app, client, auth):
    _event, entrance, (ticket, _other) = setup_event()
    auth.login("door")
    url = f"/api/v1/checkpoints/{entrance.id}/scans"
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        refused = client.post(url, json={"code": ticket.code})
        assert refused.status_code == 400
        assert refused.get_json()["error"]["code"] == "csrf_failed"
        page = client.get("/door/").get_data(as_text=True)
        token = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
        response = client.post(url, json={"code": ticket.code}, headers={"X-CSRFToken": token})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.get_json()["result"] == "ok"


def test_openapi_documents_the_scan_api(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    post = spec["paths"]["/api/v1/checkpoints/{checkpoint_id}/scans"]["post"]
    assert "requestBody" in post
    schemas = spec["components"]["schemas"]
    assert {"code", "direction", "scanned_at", "client_scan_id"} <= set(
        schemas["ScanRequest"]["properties"])
    assert {"result", "attendee", "previous", "inside"} <= set(
        schemas["ScanResponse"]["properties"])
    assert "/api/v1/events/{slug}/stats" in spec["paths"]
    assert "/api/v1/checkpoints/{checkpoint_id}/offline-bundle" in spec["paths"]


def test_staff_personal_token_scans_only_at_its_teams_events(client):
    from festa.auth.services import create_api_token
    from festa.auth.teams import put_on_team

    event, entrance, (ticket, _other) = setup_event()
    outsider = create_api_token(make_user(role="door"))
    member = make_user(role="door")
    put_on_team(event.id, member)
    token = create_api_token(member)
    db.session.commit()
    refused = client.post(f"/api/v1/checkpoints/{entrance.id}/scans",
                          json={"code": ticket.code}, headers=bearer(outsider))
    assert refused.status_code == 404
    assert refused.get_json()["error"]["code"] == "not_found"
    response = client.post(f"/api/v1/checkpoints/{entrance.id}/scans",
                           json={"code": ticket.code}, headers=bearer(token))
    assert response.get_json()["result"] == "ok"


@pytest.mark.app_config(LOOKUP_CACHE_SECONDS=0)  # the event's dates read on every request
def test_a_device_stops_working_a_grace_day_after_its_event(client):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    event, entrance, _tickets = setup_event()
    token = device_token(entrance)
    today = datetime.now(ZoneInfo(event.timezone)).date()  # the event's day, not UTC's
    event.start_date = today - timedelta(days=3)
    event.end_date = today - timedelta(days=1)  # ended yesterday (Seoul): within the grace day
    db.session.commit()
    assert client.get("/api/v1/checkpoints", headers=bearer(token)).status_code == 200
    event.end_date = today - timedelta(days=3)
    db.session.commit()
    assert client.get("/api/v1/checkpoints", headers=bearer(token)).status_code == 401


def _revoke_elsewhere(token: str) -> None:
    """What another process revoking the device does to the database (none of this
    process's copies is dropped)."""
    db.session.execute(sa.update(Device).where(Device.token_hash == hash_token(token))
                       .values(revoked_at=utcnow()))
    db.session.commit()


def test_a_device_is_read_once_per_process_and_revoking_it_here_stops_it_at_once(app, client):
    _event, entrance, (ticket, other) = setup_event()
    token = device_token(entrance)
    scans = f"/api/v1/checkpoints/{entrance.id}/scans"
    assert client.post(scans, json={"code": ticket.code}, headers=bearer(token)).status_code == 200
    loads = lookups().loads
    assert client.post(scans, json={"code": other.code}, headers=bearer(token)).status_code == 200
    assert lookups().loads == loads  # kept: neither the device nor its checkpoint read again
    revoke_device(db.session.scalar(sa.select(Device)))
    refused = client.post(scans, json={"code": ticket.code}, headers=bearer(token))
    assert refused.status_code == 401


def test_a_device_revoked_elsewhere_works_until_its_copy_here_expires(app, client):
    _event, entrance, _tickets = setup_event()
    token = device_token(entrance)
    assert client.get("/api/v1/checkpoints", headers=bearer(token)).status_code == 200
    _revoke_elsewhere(token)
    # kept LOOKUP_CACHE_SECONDS (5 by default): this process has not heard of it yet
    assert client.get("/api/v1/checkpoints", headers=bearer(token)).status_code == 200


@pytest.mark.app_config(LOOKUP_CACHE_SECONDS=0.2)
def test_a_device_revoked_elsewhere_stops_when_its_copy_here_expires(app, client):
    _event, entrance, _tickets = setup_event()
    token = device_token(entrance)
    assert client.get("/api/v1/checkpoints", headers=bearer(token)).status_code == 200
    _revoke_elsewhere(token)
    time.sleep(0.3)  # the copy's lifetime, not a timing assertion
    assert client.get("/api/v1/checkpoints", headers=bearer(token)).status_code == 401


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_offline_bundle_is_served_compressed_when_asked(client, encoding):
    brotli = pytest.importorskip("brotli")
    event, entrance, _tickets = setup_event()
    for n in range(30):  # enough names that the bundle is worth compressing
        make_ticket(event, name=f"참가자 {n}")
    db.session.commit()
    url = f"/api/v1/checkpoints/{entrance.id}/offline-bundle"
    plain = client.get(url, headers=bearer(device_token(entrance)))
    assert "Content-Encoding" not in plain.headers
    packed = client.get(url, headers={**bearer(device_token(entrance)),
                                      "Accept-Encoding": encoding})
    assert packed.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in packed.headers["Vary"]
    raw = packed.get_data()
    body = gzip.decompress(raw) if encoding == "gzip" else brotli.decompress(raw)
    assert len(raw) < len(body)
    same_but_the_clock = {key for key in json.loads(body) if key != "generated_at"}
    assert {k: json.loads(body)[k] for k in same_but_the_clock} == {
        k: plain.get_json()[k] for k in same_but_the_clock}
