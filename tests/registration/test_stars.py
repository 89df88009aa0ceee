"""☆ on the schedule and session pages, for the browser that opened an attendee's manage
link: a plain form without JavaScript, an in-place toggle with it."""

from __future__ import annotations

import pytest

from festa.extensions import db
from festa.registration import bookmarks, services
from tests.conftest import ARTIFACTS, DESKTOP, PHONE
from tests.factories import make_session, seoul
from tests.registration.conftest import person


@pytest.fixture
def talk(app, event):
    session = make_session(event, start=seoul(event.start_date, 10), title_en="Opening keynote",
                           title_ko="개회 기조연설")
    db.session.commit()
    return session


@pytest.fixture
def registration(event, talk):
    return services.register(event, **person())


def manage_path(registration) -> str:
    return f"/registrations/manage/{services.manage_token(registration)}"


def test_no_star_for_a_browser_without_a_manage_link(client, event, talk):
    html = client.get(f"/events/{event.slug}/schedule?lang=en").get_data(as_text=True)
    assert "data-bookmark" not in html
    response = client.post(f"/events/{event.slug}/sessions/{talk.id}/bookmark?lang=en",
                           data={"bookmarked": "1"})
    assert response.status_code == 403
    assert "open the manage link" in response.get_data(as_text=True)


def test_star_without_javascript_bookmarks_and_comes_back(client, event, talk, registration):
    client.get(manage_path(registration))  # this browser now belongs to the attendee
    schedule = f"/events/{event.slug}/schedule?lang=en"
    html = client.get(schedule).get_data(as_text=True)
    assert f'action="/events/{event.slug}/sessions/{talk.id}/bookmark"' in html
    assert 'aria-pressed="false"' in html
    response = client.post(f"/events/{event.slug}/sessions/{talk.id}/bookmark",
                           data={"bookmarked": "1", "next": schedule})
    assert response.status_code == 302 and response.headers["Location"] == schedule
    assert bookmarks.bookmarked_session_ids(registration) == {talk.id}
    page = client.get(f"/events/{event.slug}/sessions/{talk.id}?lang=en")
    assert 'aria-pressed="true"' in page.get_data(as_text=True)
    response = client.post(f"/events/{event.slug}/sessions/{talk.id}/bookmark",
                           data={"bookmarked": "0", "next": "https://evil.example/"})
    assert response.headers["Location"] == f"/events/{event.slug}/sessions/{talk.id}"
    assert bookmarks.bookmarked_session_ids(registration) == set()


def test_star_with_fetch_answers_json(client, event, talk, registration):
    client.get(manage_path(registration))
    response = client.post(f"/events/{event.slug}/sessions/{talk.id}/bookmark",
                           data={"bookmarked": "1"}, headers={"Accept": "application/json"})
    assert response.get_json() == {"session_id": talk.id, "bookmarked": True}
    services.cancel_registration(registration)
    response = client.post(f"/events/{event.slug}/sessions/{talk.id}/bookmark",
                           data={"bookmarked": "0"}, headers={"Accept": "application/json"})
    assert response.status_code == 403  # a cancelled registration no longer bookmarks


@pytest.mark.browser
@pytest.mark.parametrize("viewport, lang", [("phone", "ko"), ("desktop", "en")])
def test_star_toggles_in_place_without_reload(live_server, page_factory, event, talk,
                                              registration, viewport, lang):
    from playwright.sync_api import expect

    page = page_factory(PHONE if viewport == "phone" else DESKTOP)
    page.goto(f"{live_server}{manage_path(registration)}?lang={lang}")
    page.goto(f"{live_server}/events/{event.slug}/schedule?lang={lang}")
    page.evaluate("window.stayedHere = true")
    star = page.locator("article.sched-item button.star").first
    assert star.get_attribute("aria-pressed") == "false"
    star.click()
    expect(star).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("window.stayedHere") is True  # no reload
    assert bookmarks.bookmarked_session_ids(registration) == {talk.id}
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"schedule-star-{viewport}-{lang}.png"))
    star.click()
    expect(star).to_have_attribute("aria-pressed", "false")
    assert bookmarks.bookmarked_session_ids(registration) == set()
