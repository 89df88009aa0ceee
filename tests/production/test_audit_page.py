"""The audit log page: organizers and admins read it, filtered by event, actor and action."""

import pytest

from festa.audit.services import record
from festa.checkin.models import Checkpoint, Device
from festa.extensions import db
from tests.factories import make_event, make_user


@pytest.fixture
def entries(app):
    event = make_event(name_en="AI Seoul Festa")
    other = make_event(name_en="Other conference")
    alice = make_user(email="alice@festa.test", name="Alice Kim")
    bob = make_user(email="bob@festa.test")
    checkpoint = Checkpoint(event=event, name="Main entrance", is_entrance=True)
    device = Device(checkpoint=checkpoint, name="Gate 3 phone", token_hash="h" * 64)
    db.session.add_all([checkpoint, device])
    db.session.flush()
    record("session.update", event_id=event.id, user_id=alice.id, details={"title": "Keynote"})
    record("session.delete", event_id=other.id, user_id=bob.id)
    record("scan.undo", event_id=event.id, device_id=device.id)
    db.session.commit()
    return {"event": event, "other": other}


def _rows(response) -> str:
    return response.get_data(as_text=True).split("<tbody>")[-1].split("</tbody>")[0]


def test_organizer_sees_every_entry(client, auth, entries):
    auth.login("organizer")
    response = client.get("/manage/audit?lang=en")
    assert response.status_code == 200
    body = _rows(response)
    for text in ("session.update", "session.delete", "scan.undo", "Alice Kim",
                 "bob@festa.test", "Gate 3 phone", "Keynote"):
        assert text in body
    assert 'href="/manage/audit"' in response.get_data(as_text=True)  # in the manage nav


def test_filters_by_event_actor_and_action(client, auth, entries):
    auth.login("admin")
    body = _rows(client.get(f"/manage/audit?event={entries['event'].id}"))
    assert "session.update" in body and "scan.undo" in body and "session.delete" not in body
    body = _rows(client.get("/manage/audit?actor=gate 3"))
    assert "scan.undo" in body and "session.update" not in body
    body = _rows(client.get("/manage/audit?actor=ALICE"))
    assert "session.update" in body and "scan.undo" not in body
    body = _rows(client.get("/manage/audit?action=session.delete"))
    assert "session.delete" in body and "session.update" not in body


def test_unknown_filter_values_are_reported_not_crashing(client, auth, entries):
    auth.login("organizer")
    response = client.get("/manage/audit?event=99999&action=nope&page=-4")
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_door_staff_and_anonymous_cannot_read_it(client, auth, entries):
    assert client.get("/manage/audit").status_code == 302
    auth.login("door")
    assert client.get("/manage/audit").status_code == 403


@pytest.mark.parametrize("lang,heading", [("ko", "감사 기록"), ("en", "Audit log")])
def test_page_in_both_languages(client, auth, lang, heading):
    auth.login("organizer")
    assert f"<h1>{heading}</h1>" in client.get(f"/manage/audit?lang={lang}").get_data(
        as_text=True)


def test_long_logs_are_paged(client, auth):
    user = auth.login("organizer")
    for n in range(55):
        record("speaker.update", user_id=user.id, details={"n": n})
    db.session.commit()
    first = client.get("/manage/audit?lang=en&action=speaker.update").get_data(as_text=True)
    assert "Page 1 of 2" in first and 'rel="next"' in first
    second = client.get("/manage/audit?lang=en&action=speaker.update&page=2")
    assert _rows(second).count("speaker.update") == 5


def test_scans_by_devices_are_in_the_audit_log(client, auth, world):
    headers = {"Authorization": f"Bearer {world['tokens']['device']}"}
    url = f"/api/v1/checkpoints/{world['values']['checkpoint_id']}/scans"
    client.post(url, json={"code": "not-a-ticket"}, headers=headers)
    auth.login("organizer")
    page = client.get("/manage/audit/scans?lang=en")
    assert page.status_code == 200
    body = _rows(page)
    assert body.count("<tr>") == 2  # the world's first check-in and the refused code
    assert "<code>ok</code>" in body and "<code>invalid</code>" in body
    assert "Device:" in body
    only_invalid = _rows(client.get("/manage/audit/scans?action=invalid"))
    assert only_invalid.count("<tr>") == 1 and "<code>ok</code>" not in only_invalid
    assert _rows(client.get("/manage/audit/scans?actor=nobody-like-this")).count("<tr>") == 0
    assert 'aria-current="page"' in page.get_data(as_text=True)
