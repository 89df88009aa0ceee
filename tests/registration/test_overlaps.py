"""One seat per person at a time: overlapping reservations are refused on the form, the
manage page and the API (422 naming `sessions`), and the form says so before sending."""

from __future__ import annotations

import pytest

from festa.errors import FestaError
from festa.extensions import db
from festa.registration import services
from tests.factories import make_event, make_session, seoul
from tests.registration.conftest import assert_counters_match, person

KO_MESSAGE = "이 시간에 이미 예약한 세션이 있습니다"
EN_MESSAGE = "You already have a session reserved at this time"


@pytest.fixture
def workshops(app):
    """14:00–16:00 and 15:00–16:30 overlap; 16:30–17:30 only touches the second."""
    event = make_event(capacity=50)
    day = event.start_date
    first = make_session(event, start=seoul(day, 14), minutes=120, reservation_required=True,
                         capacity=10, title_ko="AI 윤리 실습", title_en="AI ethics lab")
    second = make_session(event, start=seoul(day, 15), minutes=90, reservation_required=True,
                          capacity=10, title_ko="처음 만드는 AI 챗봇", title_en="First chatbot")
    later = make_session(event, start=seoul(day, 16, 30), minutes=60,
                         reservation_required=True, capacity=10, title_ko="저녁 세션",
                         title_en="Evening session")
    db.session.commit()
    return event, first, second, later


def test_register_with_overlapping_sessions_is_refused(workshops):
    event, first, second, later = workshops
    with pytest.raises(FestaError) as error:
        services.register(event, **person(), session_ids=[first.id, second.id])
    assert error.value.status == 422 and set(error.value.fields) == {"sessions"}
    assert error.value.fields["sessions"] == [
        f"{KO_MESSAGE}: “처음 만드는 AI 챗봇” (15:00–16:30)."]
    assert services.register(event, **person(), session_ids=[second.id, later.id])  # touching


def test_reserving_an_overlapping_session_is_refused_and_nothing_changes(workshops):
    event, first, second, later = workshops
    registration = services.register(event, **person(), session_ids=[first.id])
    with pytest.raises(FestaError) as error:
        services.reserve_session(registration, second)
    assert error.value.status == 422 and "sessions" in error.value.fields
    db.session.expire_all()
    assert [r.session_id for r in registration.reservations] == [first.id]
    services.drop_reservation(registration, first)
    assert services.reserve_session(registration, second).status == "confirmed"
    assert_counters_match(event)


def test_a_waitlisted_reservation_counts_too(workshops):
    event, first, second, _later = workshops
    first.capacity = 0
    db.session.commit()
    registration = services.register(event, **person(), session_ids=[first.id])
    assert registration.reservations[0].status == "waitlisted"
    with pytest.raises(FestaError):
        services.reserve_session(registration, second)


@pytest.mark.parametrize("lang, message", [("ko", KO_MESSAGE), ("en", EN_MESSAGE)])
def test_api_refuses_overlaps_with_422_naming_sessions(client, workshops, lang, message):
    event, first, second, _later = workshops
    body = person(consent=True, sessions=[first.id, second.id])
    response = client.post(f"/api/v1/events/{event.slug}/registrations?lang={lang}", json=body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and message in error["fields"]["sessions"][0]


@pytest.mark.parametrize("lang, message", [("ko", KO_MESSAGE), ("en", EN_MESSAGE)])
def test_the_form_refuses_overlaps(client, workshops, lang, message):
    event, first, second, _later = workshops
    page = client.get(f"/events/{event.slug}/register?lang={lang}")
    assert page.status_code == 200 and "js/register.js" in page.get_data(as_text=True)
    form = {**person(), "locale": "ko", "consent": "y", "sessions": [first.id, second.id]}
    response = client.post(f"/events/{event.slug}/register?lang={lang}", data=form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_manage_page_names_the_clash_and_refuses_it(client, workshops):
    event, first, second, later = workshops
    registration = services.register(event, **person(), session_ids=[first.id])
    path = f"/registrations/manage/{services.manage_token(registration)}"
    html = client.get(path + "?lang=ko").get_data(as_text=True)
    assert f'data-overlap="{first.id}"' in html
    assert f"/sessions/{second.id}/reserve" not in html
    assert f"/sessions/{later.id}/reserve" in html
    response = client.post(f"{path}/sessions/{second.id}/reserve?lang=ko",
                           follow_redirects=True)
    assert KO_MESSAGE in response.get_data(as_text=True)
    db.session.expire_all()
    assert [r.session_id for r in registration.reservations] == [first.id]


@pytest.mark.browser
@pytest.mark.parametrize("viewport, lang", [("phone", "ko"), ("desktop", "en")])
def test_the_form_greys_out_overlapping_choices_before_sending(live_server, page_factory,
                                                               workshops, viewport, lang):
    from tests.conftest import DESKTOP, PHONE

    event, first, second, later = workshops
    page = page_factory(PHONE if viewport == "phone" else DESKTOP)
    page.goto(f"{live_server}/events/{event.slug}/register?lang={lang}")
    title = "AI 윤리 실습" if lang == "ko" else "AI ethics lab"
    boxes = {s.id: page.locator(f"input[name=sessions][value='{s.id}']")
             for s in (first, second, later)}
    boxes[first.id].check()
    assert boxes[second.id].is_disabled() and boxes[later.id].is_enabled()
    note = page.locator(f"#overlap-{boxes[second.id].get_attribute('id')}")
    assert title in note.inner_text()
    boxes[first.id].uncheck()
    assert boxes[second.id].is_enabled() and note.inner_text() == ""
