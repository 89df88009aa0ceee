"""Door pages (scanner, pairing, checkpoint choice, service worker) and the organizers'
check-in pages (dashboard, checkpoints, devices)."""

import json
import re
from html import unescape
from pathlib import Path

import sqlalchemy as sa

from festa.audit.models import AuditEntry
from festa.checkin.models import Checkpoint, Device
from festa.checkin.services import decide_scan, device_for_token
from festa.extensions import db
from tests.checkin.helpers import device_token, room_checkpoint, setup_event
from tests.factories import make_session


def test_scanner_page_is_a_shell_with_the_contract_attributes(client):
    page = client.get("/door/?lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="scanner"' in html and 'data-scan-result=""' in html
    assert 'data-scan-mode="online"' in html
    assert "vendor/jsQR.js" in html and "<script>" not in html
    assert 'data-staff="0"' in html


def test_scanner_messages_are_translated(client):
    html = client.get("/door/?lang=ko").get_data(as_text=True)
    raw = re.search(r'data-messages="([^"]*)"', html).group(1)
    messages = json.loads(unescape(raw))
    assert messages["results"]["already_checked_in"]["title"] == "이미 입장함"
    assert messages["offline"].startswith("오프라인")


def test_pairing_page_hands_the_token_to_the_browser(client):
    _event, entrance, _tickets = setup_event()
    token = device_token(entrance)
    page = client.get(f"/door/pair/{token}")
    assert page.status_code == 200
    assert f'data-token="{token}"' in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in page.headers["Cache-Control"]
    assert client.get("/door/pair/not-a-token").status_code == 404


def test_service_worker_is_served_under_door(client):
    response = client.get("/door/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert "/door/" in response.get_data(as_text=True)


def test_the_service_worker_keeps_every_module_the_scanner_imports(client, app):
    """The page opens offline only if each module it imports (ES modules, import/export,
    no window globals) is in the worker's list."""
    html = client.get("/door/").get_data(as_text=True)
    entries = re.findall(r'<script type="module" src="([^"?]+)', html)
    assert entries == ["/static/js/door-start.js"]
    assert not re.search(r'<script src="[^"]*/js/door', html)  # no classic door scripts left
    static = Path(app.static_folder)
    needed, todo = set(), list(entries)
    while todo:
        path = todo.pop()
        needed.add(path)
        source = (static / path.removeprefix("/static/")).read_text(encoding="utf-8")
        assert "window.Festa" not in source, path
        todo += [f"/static/js/{name}" for name in re.findall(r'from "\./([\w-]+\.js)"', source)
                 if f"/static/js/{name}" not in needed]
    assert len(needed) == 5  # start, door, offline, ui, camera
    shell = set(re.findall(r'"(/static/[^"]+)"', client.get("/door/sw.js").get_data(as_text=True)))
    assert needed | {"/static/vendor/jsQR.js"} <= shell


def test_door_staff_choose_a_checkpoint(client, auth):
    event, entrance, _tickets = setup_event()
    auth.login("door")
    html = client.get("/door/checkpoints").get_data(as_text=True)
    assert f"/door/?checkpoint={entrance.id}" in html
    assert 'data-staff="1"' in client.get("/door/").get_data(as_text=True)


def test_door_staff_cannot_open_manage_pages(client, auth):
    event, _entrance, _tickets = setup_event()
    auth.login("door")
    assert client.get(f"/manage/events/{event.id}/checkin").status_code == 403


def test_dashboard_shows_numbers_and_the_arrivals_chart(client, auth):
    event, entrance, (ticket, _other) = setup_event()
    decide_scan(entrance, ticket.code)
    auth.login("organizer")
    html = client.get(f"/manage/events/{event.id}/checkin?lang=en").get_data(as_text=True)
    assert re.search(r'data-stat="checked_in">1<', html)
    assert re.search(r'data-stat="no_shows">1<', html)
    assert "<rect" in html and 'id="arrivals-chart"' in html
    assert f"/api/v1/events/{event.slug}/stats" in html
    assert "js/dashboard.js" in html


def test_checkin_index_and_nav(client, auth):
    event, _entrance, _tickets = setup_event()
    auth.login("organizer")
    html = client.get("/manage/checkin?lang=en").get_data(as_text=True)
    assert f"/manage/events/{event.id}/checkin" in html
    assert 'href="/manage/checkin" aria-current="page"' in html


def test_organizer_creates_and_edits_a_checkpoint(client, auth):
    event, _entrance, _tickets = setup_event()
    workshop = make_session(event, reservation_required=True, capacity=30)
    db.session.commit()
    auth.login("organizer")
    url = f"/manage/events/{event.id}/checkpoints/new"
    assert client.get(url).status_code == 200
    missing = client.post(url, data={"name": "Workshop door", "admits": "reservation"})
    assert missing.status_code == 422  # checking reservations needs a session
    assert "session" in missing.get_data(as_text=True).lower() or "세션" in missing.get_data(
        as_text=True)
    created = client.post(url, data={"name": "Workshop door", "admits": "reservation",
                                     "session_id": str(workshop.id), "capacity": "30",
                                     "active": "y"})
    assert created.status_code == 302
    checkpoint = db.session.scalars(sa.select(Checkpoint).where(
        Checkpoint.name == "Workshop door")).one()
    assert (checkpoint.admits, checkpoint.session_id, checkpoint.capacity) == (
        "reservation", workshop.id, 30)
    edited = client.post(f"/manage/checkpoints/{checkpoint.id}/edit", data={
        "name": "Workshop door", "admits": "reservation", "session_id": str(workshop.id),
        "capacity": "", "counts_exits": "y", "active": "y"})
    assert edited.status_code == 302
    db.session.refresh(checkpoint)
    assert checkpoint.capacity is None and checkpoint.counts_exits
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert "checkpoint.create" in actions and "checkpoint.update" in actions


def test_capacity_below_the_people_inside_is_refused(client, auth):
    event, _entrance, (a, b) = setup_event()
    room = room_checkpoint(event, "Hall", capacity=5)
    decide_scan(room, a.code)
    decide_scan(room, b.code)
    auth.login("organizer")
    response = client.post(f"/manage/checkpoints/{room.id}/edit", data={
        "name": "Hall", "admits": "event", "capacity": "1", "active": "y"})
    assert response.status_code == 422
    assert db.session.get(Checkpoint, room.id).capacity == 5


def test_pairing_a_device_shows_the_link_once_as_a_qr_code_and_unpairing_stops_it(client, auth):
    event, entrance, _tickets = setup_event()
    auth.login("organizer")
    page = client.post(f"/manage/checkpoints/{entrance.id}/devices",
                       data={f"device{entrance.id}-name": "Gate 1 phone"})
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    html = page.get_data(as_text=True)
    token = re.search(r'id="device-token"[^>]*>([^<]+)<', html).group(1)
    assert f"/door/pair/{token}" in html and "<svg" in html
    device = device_for_token(token)
    assert device.name == "Gate 1 phone" and device.checkpoint_id == entrance.id
    assert device.token_hash != token  # stored hashed
    listing = client.get(f"/manage/events/{event.id}/checkpoints").get_data(as_text=True)
    assert "Gate 1 phone" in listing and token not in listing
    client.post(f"/manage/devices/{device.id}/revoke")
    assert device_for_token(token) is None
    assert db.session.get(Device, device.id).revoked_at is not None
    assert client.get("/api/v1/checkpoints", headers={
        "Authorization": f"Bearer {token}"}).status_code == 401


def test_one_click_checkpoints_for_sessions_with_reservations(client, auth):
    event, _entrance, _tickets = setup_event()
    workshop = make_session(event, reservation_required=True, capacity=20)
    make_session(event)  # open to everyone: no door of its own
    db.session.commit()
    auth.login("organizer")
    url = f"/manage/events/{event.id}/checkpoints/sessions"
    assert client.post(url).status_code == 302
    client.post(url)  # twice: nothing new
    doors = db.session.scalars(sa.select(Checkpoint).where(
        Checkpoint.session_id.is_not(None))).all()
    assert [(d.session_id, d.admits, d.room_id) for d in doors] == [
        (workshop.id, "reservation", workshop.room_id)]
    assert doors[0].capacity == workshop.room.capacity
