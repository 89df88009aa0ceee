"""Bookmarks: attendees mark sessions on their manage page; the agenda feed lists them."""

from __future__ import annotations

import re

import icalendar
import pytest

from festa.errors import FestaError
from festa.extensions import db
from festa.registration import bookmarks, services
from festa.registration.models import Bookmark
from tests.factories import make_event, make_session, seoul
from tests.registration.conftest import person


@pytest.fixture
def talks(app, event):
    """Two talks on the first day, one on the second (no reservation needed)."""
    first = make_session(event, start=seoul(event.start_date, 10), title_en="Opening keynote",
                         title_ko="개회 기조연설")
    second = make_session(event, start=seoul(event.start_date, 13), title_en="Mayor's dialogue",
                          title_ko="시장 대담")
    third = make_session(event, start=seoul(event.end_date, 11), title_en="Closing panel",
                         title_ko="폐막 패널")
    db.session.commit()
    return [first, second, third]


@pytest.fixture
def registration(event, talks):
    return services.register(event, **person())


def manage_path(registration) -> str:
    return f"/registrations/manage/{services.manage_token(registration)}"


def feed_uids(client, registration) -> set[str]:
    response = client.get(f"/agenda/{registration.agenda_token}.ics")
    assert response.status_code == 200
    return {str(e["UID"]) for e in icalendar.Calendar.from_ical(response.data).events}


def uid(session) -> str:
    return f"session-{session.id}@127.0.0.1"


def csrf(client, registration) -> str:
    html = client.get(manage_path(registration)).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def csrf_client(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    yield client
    app.config["WTF_CSRF_ENABLED"] = False


def test_bookmark_appears_in_the_agenda_feed_and_removal_removes_it(client, registration,
                                                                    talks):
    keynote, dialogue, _panel = talks
    assert feed_uids(client, registration) == set()
    bookmarks.add_bookmark(registration, keynote)
    bookmarks.add_bookmark(registration, dialogue)
    assert feed_uids(client, registration) == {uid(keynote), uid(dialogue)}
    bookmarks.remove_bookmark(registration, keynote)
    assert feed_uids(client, registration) == {uid(dialogue)}
    assert bookmarks.bookmarked_session_ids(registration) == {dialogue.id}


def test_adding_and_removing_are_idempotent(registration, talks):
    keynote = talks[0]
    bookmarks.add_bookmark(registration, keynote)
    bookmarks.add_bookmark(registration, keynote)
    assert db.session.scalar(db.select(db.func.count()).select_from(Bookmark)) == 1
    bookmarks.remove_bookmark(registration, keynote)
    bookmarks.remove_bookmark(registration, keynote)
    assert bookmarks.bookmarked_session_ids(registration) == set()


def test_another_events_session_is_refused(registration):
    elsewhere = make_session(make_event())
    db.session.commit()
    for change in (bookmarks.add_bookmark, bookmarks.remove_bookmark):
        with pytest.raises(FestaError) as error:
            change(registration, elsewhere)
        assert (error.value.code, error.value.status) == ("wrong_event", 404)
    assert bookmarks.bookmarked_session_ids(registration) == set()


def test_a_cancelled_session_cannot_be_bookmarked(registration, talks):
    talks[0].cancelled = True
    db.session.commit()
    with pytest.raises(FestaError) as error:
        bookmarks.add_bookmark(registration, talks[0])
    assert error.value.code == "session_cancelled"


@pytest.mark.parametrize(("end", "post_status"), [
    (services.cancel_registration, 302),  # the link still opens the page; the post is refused
    (services.anonymize, 403),            # the old manage link stops working altogether
])
def test_a_cancelled_or_anonymised_registration_cannot_bookmark(client, registration, talks,
                                                               end, post_status):
    path = manage_path(registration)
    end(registration)
    with pytest.raises(FestaError) as error:
        bookmarks.add_bookmark(registration, talks[0])
    assert error.value.code == "registration_cancelled"
    response = client.post(f"{path}/sessions/{talks[0].id}/bookmark")
    assert response.status_code == post_status
    assert bookmarks.bookmarked_session_ids(registration) == set()


def test_a_cancelled_registrations_page_offers_no_bookmarks(client, registration):
    path = manage_path(registration)
    services.cancel_registration(registration)
    html = client.get(path + "?lang=en").get_data(as_text=True)
    assert "This registration is cancelled." in html and "Bookmark sessions" not in html


def test_manage_page_lists_only_my_sessions_folded_by_day(client, event, registration, talks):
    path = manage_path(registration)
    html = client.get(path + "?lang=ko").get_data(as_text=True)
    section = html.split('id="bookmarks"', 1)[1].split("</section>", 1)[0]
    assert "data-empty-bookmarks" in section and "bookmark-row" not in section
    assert f"/events/{event.slug}/schedule" in section  # where the ☆ are
    bookmarks.add_bookmark(registration, talks[0])
    bookmarks.add_bookmark(registration, talks[2])
    html = client.get(path + "?lang=ko").get_data(as_text=True)
    section = html.split('id="bookmarks"', 1)[1].split("</section>", 1)[0]
    days = re.findall(r'<details class="bookmark-day-group"( open)?>\s*'
                      r'<summary class="bookmark-day">(.*?)</summary>', section, re.S)
    assert len(days) == 2 and days[0][0] == " open" and days[1][0] == ""  # the first day open
    assert f"{event.start_date.day}일" in days[0][1]
    first_day, second_day = section.split('class="bookmark-day-group"')[1:]
    assert "개회 기조연설" in first_day and "10:00" in first_day
    assert "시장 대담" not in section  # neither bookmarked nor reserved
    assert "폐막 패널" in second_day
    assert section.count('aria-pressed="true"') == 2
    assert "/agenda/" in html  # the feed to subscribe to, on the same page


def test_toggle_through_the_page(csrf_client, registration, talks):
    client, keynote = csrf_client, talks[0]
    path = manage_path(registration)
    action = f"{path}/sessions/{keynote.id}/bookmark"
    assert client.post(action).status_code == 400  # no CSRF token
    response = client.post(action, data={"csrf_token": csrf(client, registration)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#bookmark-{keynote.id}")
    page = client.get(path + "?lang=en").get_data(as_text=True)
    row = page.split(f'id="bookmark-{keynote.id}"', 1)[1].split("</li>", 1)[0]
    assert 'data-bookmarked="true"' in row and 'aria-pressed="true"' in row
    assert f"{path}/sessions/{keynote.id}/unbookmark" in row
    assert uid(keynote) in feed_uids(client, registration)
    response = client.post(f"{path}/sessions/{keynote.id}/unbookmark",
                           data={"csrf_token": csrf(client, registration)})
    assert response.status_code == 302
    assert feed_uids(client, registration) == set()


def test_another_events_session_through_the_page_is_not_found(client, registration):
    elsewhere = make_session(make_event())
    db.session.commit()
    response = client.post(f"{manage_path(registration)}/sessions/{elsewhere.id}/bookmark")
    assert response.status_code == 404
    assert bookmarks.bookmarked_session_ids(registration) == set()
