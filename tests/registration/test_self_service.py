"""Self-service through the manage link: the token, viewing, sessions, cancel, delete."""

from datetime import UTC, datetime, timedelta

import pytest

from festa.errors import FestaError
from festa.extensions import db
from festa.registration import services, tokens
from festa.tickets.models import TicketStatus
from tests.factories import make_event, make_user
from tests.registration.conftest import assert_counters_match, person


@pytest.fixture
def registration(event, workshop):
    return services.register(event, **person(organization="서울AI재단"))


def manage_path(registration) -> str:
    return f"/registrations/manage/{services.manage_token(registration)}"


def test_valid_token_finds_the_registration(registration):
    token = services.manage_token(registration)
    assert services.registration_for_manage_token(token).id == registration.id
    assert services.manage_url(registration) == (
        f"http://127.0.0.1:5000/registrations/manage/{token}")


def _flip_first(token: str, at: int) -> str:
    """Change one character (not the last: its low bits may be base64 padding)."""
    return token[:at] + ("B" if token[at] == "A" else "A") + token[at + 1:]


@pytest.mark.parametrize("mangle", [
    lambda t: _flip_first(t, t.rindex(".") + 1),            # signature changed
    lambda t: t[:20],                                       # truncated
    lambda t: _flip_first(t, 2),                            # payload changed
    lambda t: "",                                           # nothing
])
def test_tampered_tokens_are_refused(registration, mangle):
    with pytest.raises(FestaError) as error:
        services.registration_for_manage_token(mangle(services.manage_token(registration)))
    assert (error.value.code, error.value.status) == ("invalid_token", 403)


def test_token_signed_with_another_key_is_refused(app, registration):
    token = services.manage_token(registration)
    app.config["SECRET_KEY"] = "another-key"
    with pytest.raises(FestaError) as error:
        services.registration_for_manage_token(token)
    assert error.value.code == "invalid_token"


def test_token_expires_30_days_after_the_event(app):
    start = (datetime.now(UTC) - timedelta(days=40)).date()
    event = make_event(start_date=start)
    db.session.commit()
    past = services.register(event, **person(), source="walk-in", by=make_user())
    with pytest.raises(FestaError) as error:
        services.registration_for_manage_token(services.manage_token(past))
    assert error.value.code == "token_expired"


def test_token_expires_after_its_maximum_age(registration, monkeypatch):
    token = services.manage_token(registration)
    monkeypatch.setattr(tokens, "MAX_AGE", timedelta(seconds=-1))
    with pytest.raises(FestaError) as error:
        services.registration_for_manage_token(token)
    assert error.value.code == "token_expired"


def test_bumping_secret_version_revokes_old_links(registration):
    token = services.manage_token(registration)
    registration.secret_version += 1
    db.session.commit()
    with pytest.raises(FestaError) as error:
        services.registration_for_manage_token(token)
    assert error.value.code == "invalid_token"
    assert services.registration_for_manage_token(services.manage_token(registration))


def test_manage_page_shows_status_ticket_and_sessions(client, registration, workshop):
    page = client.get(manage_path(registration) + "?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "private, no-store"
    assert registration.name in html and "서울AI재단" in html
    assert f"/tickets/{registration.ticket.code}" in html
    assert "Prompt workshop" in html and "Reserve a seat" in html


def test_invalid_link_page(client, registration):
    response = client.get(manage_path(registration)[:-3] + "abc?lang=en")
    assert response.status_code == 403
    assert "This link is not valid" in response.get_data(as_text=True)


def test_add_and_drop_a_session_through_the_page(client, event, registration, workshop):
    path = manage_path(registration)
    response = client.post(f"{path}/sessions/{workshop.id}/reserve?lang=en")
    assert response.status_code == 302
    assert [r.status for r in registration.reservations] == ["confirmed"]
    other = services.register(event, **person(), session_ids=[workshop.id])
    assert other.reservations[0].status == "waitlisted"
    html = client.get(path + "?lang=en").get_data(as_text=True)
    assert "Seat reserved" in html and "Give up my seat" in html
    client.post(f"{path}/sessions/{workshop.id}/drop")
    db.session.expire_all()
    assert registration.reservations[0].status == "cancelled"
    assert other.reservations[0].status == "confirmed"  # the next in line got the seat
    assert_counters_match(event)


def test_full_session_joins_the_waitlist_from_the_page(client, event, workshop):
    services.register(event, **person(), session_ids=[workshop.id])
    registration = services.register(event, **person())
    path = manage_path(registration)
    response = client.post(f"{path}/sessions/{workshop.id}/reserve?lang=en",
                           follow_redirects=True)
    assert "you are on its waitlist" in response.get_data(as_text=True)
    assert "Waitlist, place 1" in response.get_data(as_text=True)


def test_session_of_another_event_is_404(client, registration):
    from tests.factories import make_session

    foreign = make_session(make_event(), reservation_required=True, capacity=3)
    db.session.commit()
    path = manage_path(registration)
    assert client.post(f"{path}/sessions/{foreign.id}/reserve").status_code == 404


def test_cancel_needs_a_confirmation_step(client, event, registration):
    path = manage_path(registration)
    services.register(event, **person())  # the event's last seat
    waiting = services.register(event, **person())
    html = client.get(f"{path}/cancel?lang=en").get_data(as_text=True)
    assert "Cancel your registration?" in html
    assert registration.status == "confirmed"
    response = client.post(f"{path}/cancel")
    assert response.status_code == 302
    db.session.expire_all()
    assert registration.status == "cancelled"
    assert registration.ticket.status == TicketStatus.REVOKED
    assert waiting.status == "confirmed"
    assert_counters_match(event)


def test_delete_my_data_anonymises_and_kills_the_link(client, event, registration):
    path = manage_path(registration)
    assert "Delete your personal data?" in client.get(f"{path}/delete?lang=en").get_data(
        as_text=True)
    response = client.post(f"{path}/delete")
    assert response.headers["Location"].endswith("/registrations/deleted")
    db.session.expire_all()
    assert registration.email == f"deleted-{registration.id}@invalid"
    assert registration.name == "—" and registration.organization == ""
    assert client.get(path).status_code == 403
    assert_counters_match(event)
