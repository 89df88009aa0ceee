"""A device token can scan at its own checkpoint and nothing else."""

import pytest

from festa.checkin.devices import revoke_device
from festa.checkin.models import Device
from festa.extensions import db
from tests.checkin.helpers import device_token, make_ticket, room_checkpoint, setup_event


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def gate(app):
    event, entrance, (ticket, _other) = setup_event()
    other_room = room_checkpoint(event, "B")
    return {"event": event, "entrance": entrance, "ticket": ticket, "room": other_room,
            "token": device_token(entrance)}


def test_a_token_for_checkpoint_a_cannot_scan_or_read_checkpoint_b(client, gate):
    room, headers = gate["room"], bearer(gate["token"])
    scan = client.post(f"/api/v1/checkpoints/{room.id}/scans",
                       json={"code": gate["ticket"].code}, headers=headers)
    assert scan.status_code == 403 and scan.get_json()["error"]["code"] == "forbidden"
    for path in (f"/api/v1/checkpoints/{room.id}", f"/api/v1/checkpoints/{room.id}/search?q=a",
                 f"/api/v1/checkpoints/{room.id}/offline-bundle",
                 f"/api/v1/checkpoints/{room.id}/bundle"):
        assert client.get(path, headers=headers).status_code == 403, path
    # and not a checkpoint that does not exist either (no probing)
    assert client.get("/api/v1/checkpoints/999999", headers=headers).status_code == 403


@pytest.mark.parametrize("method,path", [
    ("get", "/api/v1/events/{slug}/stats"),
    ("get", "/api/v1/registrations/{registration_id}"),
    ("delete", "/api/v1/registrations/{registration_id}"),
])
def test_a_door_token_cannot_read_registrations_or_stats(client, gate, method, path):
    url = path.format(slug=gate["event"].slug,
                      registration_id=gate["ticket"].registration_id)
    response = getattr(client, method)(url, headers=bearer(gate["token"]))
    assert response.status_code in (401, 403), response.status_code


@pytest.mark.parametrize("method,path", [
    ("get", "/manage/"),
    ("get", "/manage/events/{event_id}/registrations"),  # the attendee list
    ("get", "/manage/events/{event_id}/registrations.csv"),
    ("get", "/manage/checkin"),
    ("get", "/manage/events/{event_id}/checkin"),
    ("get", "/manage/events/{event_id}/checkpoints"),
    ("post", "/manage/events/{event_id}/checkpoints/new"),
    ("post", "/manage/checkpoints/{checkpoint_id}/devices"),
    ("get", "/door/checkpoints"),
])
def test_a_door_token_cannot_manage_anything(client, gate, method, path):
    url = path.format(event_id=gate["event"].id, checkpoint_id=gate["entrance"].id)
    response = getattr(client, method)(url, headers=bearer(gate["token"]))
    # staff pages know no bearer tokens: to the login page
    assert response.status_code in (302, 401, 403)
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]


def test_unknown_or_revoked_tokens_are_401(client, gate):
    entrance = gate["entrance"]
    url = f"/api/v1/checkpoints/{entrance.id}/scans"
    body = {"code": gate["ticket"].code}
    assert client.post(url, json=body).status_code == 401
    assert client.post(url, json=body, headers=bearer("made-up")).status_code == 401
    revoke_device(db.session.scalars(db.select(Device)).one())
    db.session.commit()
    response = client.post(url, json=body, headers=bearer(gate["token"]))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_search_results_never_list_everyone(client, gate):
    event = gate["event"]
    for n in range(15):
        make_ticket(event, name=f"김민수{n}")
    db.session.commit()
    hits = client.get(f"/api/v1/checkpoints/{gate['entrance'].id}/search?q=ㄱ",
                      headers=bearer(gate["token"])).get_json()
    assert len(hits) == 10
    assert all("@" in h["email"] and "***" in h["email"] for h in hits)
