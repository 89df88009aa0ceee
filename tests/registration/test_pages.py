"""The attendee pages: register, confirmation, closed window, duplicates, manage link resend."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from festa.extensions import db, limiter
from festa.registration.models import Registration
from tests.factories import make_event
from tests.registration.conftest import mails, person


def form_data(**fields):
    values = person()
    values.update({"locale": "ko", "consent": "y"})
    values.update(fields)
    return values


def test_register_page_shows_form_sessions_and_privacy_notice(client, event, workshop):
    html = client.get(f"/events/{event.slug}/register?lang=ko").get_data(as_text=True)
    assert 'name="email"' in html and 'name="consent"' in html
    assert "프롬프트 워크숍" in html and "잔여 1석" in html
    # PIPA: what is collected, why, how long, and that one may refuse.
    for words in ("수집 항목", "이름, 이메일 주소, 소속", "체크인", "수집·이용 목적", "티켓 발급",
                  "보유 및 이용 기간", "행사 종료 후 365일", "동의를 거부할 권리",
                  "동의하지 않으면 참가 등록을 할 수 없습니다"):
        assert words in html
    # The exact day the data goes (retention_days after the end, default 365).
    until = event.erase_after
    assert f"{until.year}년 {until.month}월 {until.day}일" in html


def test_register_page_in_english(client, event):
    html = client.get(f"/events/{event.slug}/register?lang=en").get_data(as_text=True)
    assert "What we collect" in html and "You may refuse to consent" in html


def test_register_redirects_to_confirmation_with_ticket(client, event, workshop):
    response = client.post(f"/events/{event.slug}/register",
                           data=form_data(sessions=[str(workshop.id)]))
    assert response.status_code == 302
    page = client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    registration = db.session.scalar(db.select(Registration))
    assert registration.status == "confirmed"
    assert f"/tickets/{registration.ticket.code}" in page
    assert f'src="/tickets/{registration.ticket.code}/qr.svg"' in page  # the QR at once
    assert f"/tickets/{registration.ticket.code}/calendar.ics" in page
    assert "Copy link" in page and "/registrations/manage/" in page
    assert "Prompt workshop" in page and "Seat reserved" in page


def test_waitlisted_confirmation_shows_the_place(client, event):
    for _ in range(3):
        response = client.post(f"/events/{event.slug}/register", data=form_data())
    page = client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "You are on the waitlist" in page
    assert "Your place on the waitlist: 1." in page
    assert "/tickets/" not in page


def test_consent_is_required(client, event):
    data = form_data()
    del data["consent"]
    response = client.post(f"/events/{event.slug}/register?lang=en", data=data)
    assert response.status_code == 422
    assert "Registration needs your consent" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Registration)) is None


def test_closed_window_says_so(client, app):
    event = make_event(registration_closes_at=datetime.now(UTC) - timedelta(hours=1))
    db.session.commit()
    page = client.get(f"/events/{event.slug}/register?lang=en").get_data(as_text=True)
    assert "Registration for this event is closed." in page
    assert 'name="consent"' not in page
    response = client.post(f"/events/{event.slug}/register", data=form_data())
    assert response.status_code == 409
    assert db.session.scalar(db.select(Registration)) is None


def test_not_yet_open_says_when(client, app):
    event = make_event(registration_opens_at=datetime.now(UTC) + timedelta(days=3))
    db.session.commit()
    page = client.get(f"/events/{event.slug}/register?lang=en").get_data(as_text=True)
    assert "Registration opens on" in page


def test_duplicate_email_offers_to_resend_the_manage_link(client, event):
    client.post(f"/events/{event.slug}/register", data=form_data(email="dup@example.com"))
    response = client.post(f"/events/{event.slug}/register?lang=en",
                           data=form_data(email="Dup@Example.com"))
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "already registered for this event" in page
    action = f"/events/{event.slug}/register/manage-link"
    assert action in page and 'value="dup@example.com"' in page.lower()
    response = client.post(action, data={"link-email": "dup@example.com"})
    assert response.status_code == 302
    assert [m.recipient for m in mails("manage_link")] == ["dup@example.com"]


def test_manage_link_request_never_tells_whether_registered(client, event):
    client.post(f"/events/{event.slug}/register", data=form_data(email="known@example.com"))
    pages = []
    for address in ("known@example.com", "stranger@example.com"):
        response = client.post(f"/events/{event.slug}/register/manage-link?lang=en",
                               data={"link-email": address}, follow_redirects=True)
        pages.append(re.sub(r"\s+", " ", response.get_data(as_text=True)))
    assert "If this address is registered" in pages[0]
    assert pages[0] == pages[1]
    assert len(mails("manage_link")) == 1


@pytest.mark.app_config(RATELIMIT_ENABLED=True)
def test_register_post_is_rate_limited(client, event):
    limiter.reset()
    statuses = [client.post(f"/events/{event.slug}/register", data=form_data()).status_code
                for _ in range(11)]
    assert statuses[:10] == [302] * 10 and statuses[10] == 429
    assert client.get(f"/events/{event.slug}/register").status_code == 200  # GET not limited
    limiter.reset()


def test_preferred_language_defaults_to_the_page_language(client, event):
    html = client.get(f"/events/{event.slug}/register?lang=en").get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*value="en"|<input[^>]*value="en"[^>]*checked', html)
