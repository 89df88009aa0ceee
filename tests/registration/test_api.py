"""POST/GET/DELETE registrations over the API, exactly as shared/CONTRACT.md says."""

import pytest

from festa.auth.services import create_api_token
from festa.auth.teams import put_on_team
from festa.extensions import db, limiter
from festa.registration import services
from tests.factories import make_user
from tests.registration.conftest import assert_counters_match, person


def post(client, event, **body):
    return client.post(f"/api/v1/events/{event.slug}/registrations", json=body)


def body_for(**fields):
    values = person(**fields)
    values.setdefault("consent", True)
    return values


def test_post_confirmed_has_ticket_and_manage_link(client, event, workshop):
    response = post(client, event, **body_for(organization="서울시", locale="en",
                                              sessions=[workshop.id]))
    assert response.status_code == 201
    data = response.get_json()
    assert set(data) == {"registration", "ticket", "manage_url", "manage_token"}
    registration = data["registration"]
    assert registration["status"] == "confirmed" and isinstance(registration["id"], int)
    assert registration["sessions"] == [{"id": workshop.id, "status": "confirmed"}]
    ticket = data["ticket"]
    assert set(ticket) == {"code", "url", "qr_png", "qr_svg"}
    assert ticket["url"] == f"http://127.0.0.1:5000/tickets/{ticket['code']}"
    assert ticket["qr_png"].endswith("/qr.png") and ticket["qr_svg"].endswith("/qr.svg")
    assert data["manage_url"].startswith("http://127.0.0.1:5000/registrations/manage/")
    assert client.get(ticket["url"].removeprefix("http://127.0.0.1:5000")).status_code == 200


def test_post_waitlisted_has_null_ticket_and_positions(client, event, workshop):
    for _ in range(2):
        assert post(client, event, **body_for()).status_code == 201
    response = post(client, event, **body_for(sessions=[workshop.id]))
    data = response.get_json()
    assert response.status_code == 201
    assert data["ticket"] is None
    assert data["registration"]["status"] == "waitlisted"
    assert data["registration"]["position"] == 1
    assert data["registration"]["sessions"] == [{"id": workshop.id, "status": "waitlisted"}]


def test_session_waitlist_position_in_the_body(client, event, workshop):
    event.capacity = None
    db.session.commit()
    post(client, event, **body_for(sessions=[workshop.id]))
    data = post(client, event, **body_for(sessions=[workshop.id])).get_json()
    assert data["registration"]["sessions"] == [
        {"id": workshop.id, "status": "waitlisted", "position": 1}]


def test_same_email_twice_is_409(client, event):
    assert post(client, event, **body_for(email="dup@example.com")).status_code == 201
    response = post(client, event, **body_for(email="DUP@example.com"))
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "already_registered"


@pytest.mark.parametrize("body, field", [
    ({"email": "a@example.com", "consent": True}, "name"),
    ({"name": "김", "email": "nope", "consent": True}, "email"),
    ({"name": "김", "email": "a@example.com"}, "consent"),
    ({"name": "김", "email": "a@example.com", "consent": False}, "consent"),
    ({"name": "김", "email": "a@example.com", "consent": True, "locale": "fr"}, "locale"),
    ({"name": "김", "email": "a@example.com", "consent": True, "sessions": [424242]}, "sessions"),
])
def test_validation_errors_are_422_naming_the_field(client, event, body, field):
    response = post(client, event, **body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"]
    assert_counters_match(event)


def test_closed_registration_is_refused(client, app):
    from datetime import UTC, datetime, timedelta

    from tests.factories import make_event

    event = make_event(registration_closes_at=datetime.now(UTC) - timedelta(days=1))
    db.session.commit()
    response = post(client, event, **body_for())
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "registration_closed"


def test_unknown_event_is_404(client, app):
    response = client.post("/api/v1/events/nope/registrations", json=body_for())
    assert response.status_code == 404


def test_get_with_manage_token_shows_current_status(client, event):
    first = post(client, event, **body_for()).get_json()
    post(client, event, **body_for())
    data = post(client, event, **body_for()).get_json()
    url = f"/api/v1/registrations/{data['registration']['id']}"
    headers = {"Authorization": f"Bearer {data['manage_token']}"}
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    assert response.get_json()["registration"] == {
        "id": data["registration"]["id"], "status": "waitlisted", "position": 1, "sessions": []}
    assert response.get_json()["ticket"] is None
    services.cancel_registration(services.registration_for_manage_token(first["manage_token"]))
    now = client.get(url, headers=headers).get_json()
    assert now["registration"]["status"] == "confirmed" and now["ticket"]["code"]


def test_get_and_delete_need_the_right_token(client, event):
    one = post(client, event, **body_for()).get_json()
    two = post(client, event, **body_for()).get_json()
    url = f"/api/v1/registrations/{one['registration']['id']}"
    assert client.get(url).status_code == 401
    wrong = {"Authorization": f"Bearer {two['manage_token']}"}
    assert client.get(url, headers=wrong).status_code == 403
    assert client.delete(url, headers=wrong).status_code == 403
    tampered = {"Authorization": f"Bearer {one['manage_token'][:-2]}xx"}
    response = client.get(url, headers=tampered)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "invalid_token"


def test_delete_cancels_revokes_and_promotes(client, event):
    one = post(client, event, **body_for()).get_json()
    post(client, event, **body_for())
    waiting = post(client, event, **body_for()).get_json()
    url = f"/api/v1/registrations/{one['registration']['id']}"
    response = client.delete(url, headers={"Authorization": f"Bearer {one['manage_token']}"})
    assert response.status_code == 200
    data = response.get_json()
    assert data["registration"]["status"] == "cancelled" and data["ticket"] is None
    ticket = client.get(f"/api/v1/tickets/{one['ticket']['code']}").get_json()
    assert ticket["valid"] is False
    promoted = client.get(f"/api/v1/registrations/{waiting['registration']['id']}",
                          headers={"Authorization": f"Bearer {waiting['manage_token']}"})
    assert promoted.get_json()["registration"]["status"] == "confirmed"
    assert promoted.get_json()["ticket"]["code"]
    assert_counters_match(event)


def test_organizer_token_can_read_and_cancel_with_audit(client, event):
    from festa.audit.models import AuditEntry

    data = post(client, event, **body_for()).get_json()
    user = make_user(role="organizer")
    token = create_api_token(user)
    door = create_api_token(make_user(role="door"))
    db.session.commit()
    url = f"/api/v1/registrations/{data['registration']['id']}"
    assert client.get(url, headers={"Authorization": f"Bearer {door}"}).status_code == 403
    headers = {"Authorization": f"Bearer {token}"}
    # Not yet on the event's team: the registration is not theirs to see.
    assert client.get(url, headers=headers).status_code == 404
    put_on_team(event.id, user)
    db.session.commit()
    assert client.get(url, headers=headers).status_code == 200
    assert client.get("/api/v1/registrations/999999", headers=headers).status_code == 404
    assert client.delete(url, headers=headers).get_json()["registration"]["status"] == "cancelled"
    entry = db.session.scalar(db.select(AuditEntry).where(
        AuditEntry.action == "registration.cancel"))
    assert entry.user_id == user.id


def test_openapi_describes_the_registration_endpoints(client, app):
    spec = client.get("/api/v1/openapi.json").get_json()
    post_op = spec["paths"]["/api/v1/events/{slug}/registrations"]["post"]
    assert {"201", "409", "422"} <= set(post_op["responses"])
    item = spec["paths"]["/api/v1/registrations/{registration_id}"]
    assert item["get"]["security"] == [{"bearer": []}]
    assert "200" in item["delete"]["responses"]
    schemas = spec["components"]["schemas"]
    assert {"name", "email", "consent"} <= set(schemas["RegistrationIn"]["required"])


def test_post_is_csrf_exempt(app, event):
    app.config["WTF_CSRF_ENABLED"] = True
    response = post(app.test_client(), event, **body_for())
    assert response.status_code == 201


@pytest.mark.app_config(RATELIMIT_ENABLED=True)
def test_post_is_rate_limited_per_address(client, event):
    limiter.reset()
    statuses = [post(client, event, **body_for()).status_code for _ in range(11)]
    assert statuses[:10] == [201] * 10
    assert statuses[10] == 429
    assert client.post(f"/api/v1/events/{event.slug}/registrations", json=body_for()
                       ).get_json()["error"]["code"] == "rate_limited"
    limiter.reset()


def test_a_post_answers_as_a_get_reads_it_afterwards(client, event):
    """The POST builds its answer from the rows it has just written (and its waitlist
    place from one follow-up read): the same registration and ticket as a GET then."""
    from festa.tickets.services import verified_ticket

    answers = [post(client, event, **body_for()).get_json() for _ in range(4)]
    assert [a["registration"].get("position") for a in answers] == [None, None, 1, 2]
    for answer in answers:
        again = client.get(f"/api/v1/registrations/{answer['registration']['id']}",
                           headers={"Authorization": f"Bearer {answer['manage_token']}"})
        assert again.status_code == 200
        assert {k: again.get_json()[k] for k in ("registration", "ticket")} == {
            k: answer[k] for k in ("registration", "ticket")}
        if answer["ticket"]:  # the code signs the ticket's id (taken ahead on PostgreSQL)
            ticket = verified_ticket(answer["ticket"]["code"])
            assert ticket.registration_id == answer["registration"]["id"]
