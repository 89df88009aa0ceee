"""Programme documents from the render cache: rendered once per (event, programme version,
language, …), a new version with any programme change, 304 without rendering, and one
rendering shared by two app instances through a real Redis."""

from __future__ import annotations

import gzip
import shutil
import socket
import subprocess
import time

import brotli
import flask
import pytest
import sqlalchemy as sa

from festa import create_app
from festa.core.cache import render_cache
from festa.extensions import db
from festa.program.models import Session
from festa.program.programme_version import programme_version
from festa.registration.services import manage_token, register
from tests import conftest
from tests.factories import make_event, make_room, make_session, make_speaker, seoul

FEEDS = ("schedule.json", "schedule.xml", "schedule.ics")


@pytest.fixture
def event(app):
    event = make_event(capacity=None)
    room = make_room(venue=event.venue, name_en="Hall A")
    make_session(event, room, title_en="Opening keynote", speakers=[make_speaker()])
    make_session(event, room, start=seoul(event.start_date, 14), title_en="Robots workshop",
                 reservation_required=True, capacity=10)
    db.session.commit()
    return event


def renders() -> int:
    return render_cache().renders


def test_each_feed_is_rendered_once_and_answers_304_without_rendering(client, event):
    for feed in FEEDS:
        url = f"/api/v1/events/{event.slug}/{feed}?lang=en"
        before = renders()
        first = client.get(url)
        second = client.get(url)
        assert first.status_code == second.status_code == 200
        assert first.data == second.data and b"Opening keynote" in first.data
        assert renders() == before + 1
        etag = first.headers["ETag"]
        unchanged = client.get(url, headers={"If-None-Match": etag})
        assert unchanged.status_code == 304 and unchanged.data == b""
        assert unchanged.headers["ETag"] == etag
        assert renders() == before + 1


def test_languages_are_kept_apart(client, event):
    korean = client.get(f"/api/v1/events/{event.slug}/schedule.json?lang=ko")
    english = client.get(f"/api/v1/events/{event.slug}/schedule.json?lang=en")
    assert korean.headers["ETag"] != english.headers["ETag"]
    assert b"Opening keynote" in english.data and b"Opening keynote" not in korean.data


@pytest.mark.parametrize("change", ["session", "room", "speaker", "new_session"])
def test_any_programme_change_makes_a_new_version(client, event, change):
    url = f"/api/v1/events/{event.slug}/schedule.json?lang=en"
    old = client.get(url)
    version = programme_version(event.id)
    session = event.sessions[0]
    if change == "session":
        session.title_en = "Opening keynote, moved"
    elif change == "room":  # rooms belong to the venue, shared with other events
        session.room.name_en = "Hall B"
    elif change == "speaker":  # speakers are shared too
        session.speaker_roles[0].speaker.family_name_en = "Park"
    else:
        make_session(event, session.room, start=seoul(event.start_date, 16),
                     title_en="Closing panel")
    db.session.commit()
    assert programme_version(event.id) > version
    new = client.get(url, headers={"If-None-Match": old.headers["ETag"]})
    assert new.status_code == 200 and new.data != old.data
    assert new.headers["ETag"] != old.headers["ETag"]


def test_registrations_do_not_change_the_programme_version(app, event):
    version = programme_version(event.id)
    workshop = event.sessions[1]
    register(event, "이서연", "seoyeon@example.test", session_ids=[workshop.id])
    assert programme_version(event.id) == version


def test_schedule_page_body_is_shared_the_frame_is_not(client, auth, event):
    url = f"/events/{event.slug}/schedule?lang=en"
    before = renders()
    anonymous = client.get(url).get_data(as_text=True)
    assert "Opening keynote" in anonymous and "10 seats left" in anonymous
    auth.login("organizer")
    organizer = client.get(url).get_data(as_text=True)
    assert renders() == before + 1  # the same body…
    assert "Log out" in organizer and "Log out" not in anonymous  # …in each one's frame
    client.get(f"/events/{event.slug}/schedule?lang=en&kind=workshop")
    assert renders() == before + 2  # other filters: another body


@pytest.mark.parametrize(("filters", "keynote"), [
    ("", True), ("&language=en", False),  # the keynote is given in Korean
    ("&language=de", True), ("&track=999999", True),  # no such language, track: ignored
])
def test_a_cached_schedule_page_does_not_load_the_programme(client, event, filters, keynote):
    """Served from the cache, the page costs the same at 2 sessions as at 2,000: neither
    the page nor the check of its filters loads the sessions (the bench found every
    request loading all of them, the cache notwithstanding)."""
    url = f"/events/{event.slug}/schedule?lang=en{filters}"
    first = client.get(url)
    db.session.remove()
    loaded = []

    def count(target, _context):
        loaded.append(target)

    sa.event.listen(Session, "load", count)
    try:
        again = client.get(url)
    finally:
        sa.event.remove(Session, "load", count)
    assert again.status_code == first.status_code == 200
    assert loaded == []
    assert ("Opening keynote" in again.get_data(as_text=True)) == keynote


def test_schedule_page_follows_the_seats_left(client, event):
    url = f"/events/{event.slug}/schedule?lang=en"
    assert "10 seats left" in client.get(url).get_data(as_text=True)
    register(event, "이서연", "seoyeon@example.test", session_ids=[event.sessions[1].id])
    assert "9 seats left" in client.get(url).get_data(as_text=True)


def test_a_search_is_not_cached(client, event):
    before = renders()
    for _ in range(2):
        page = client.get(f"/events/{event.slug}/schedule?lang=en&q=robots")
        assert "Robots workshop" in page.get_data(as_text=True)
    assert renders() == before


@pytest.fixture
def redis_url():
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([server, "--port", str(port), "--save", "", "--appendonly", "no"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_two_instances_share_one_rendering_through_redis(app, database_url, event, redis_url):
    url = f"/api/v1/events/{event.slug}/schedule.json?lang=en"
    first = create_app(conftest.test_config(database_url, REDIS_URL=redis_url))
    second = create_app(conftest.test_config(database_url, REDIS_URL=redis_url))
    body = first.test_client().get(url).data
    assert second.test_client().get(url).data == body
    with first.app_context():
        assert render_cache().renders == 1
    with second.app_context():
        assert render_cache().renders == 0  # served from Redis


def test_redis_down_still_serves(app, database_url, event):
    other = create_app(conftest.test_config(database_url, REDIS_URL="redis://127.0.0.1:1/0"))
    response = other.test_client().get(f"/api/v1/events/{event.slug}/schedule.json")
    assert response.status_code == 200


def test_an_attendees_browser_gets_its_own_page_never_the_shared_one(app, client, event):
    registration = register(event, "이서연", "seoyeon@example.test")
    url = f"/events/{event.slug}/schedule?lang=en"
    anonymous = app.test_client()
    assert "data-bookmark" not in anonymous.get(url).get_data(as_text=True)
    before = renders()
    client.get(f"/registrations/manage/{manage_token(registration)}")  # now the attendee's
    assert "data-bookmark" in client.get(url).get_data(as_text=True)
    assert renders() == before  # rendered for that browser alone, not cached
    assert "data-bookmark" not in anonymous.get(url).get_data(as_text=True)


# ------------------------------------------------- compressed variants, the whole page cached

DECODE = {"gzip": gzip.decompress, "br": brotli.decompress}


@pytest.mark.parametrize("feed", FEEDS)
@pytest.mark.parametrize(("accept", "encoding"), [
    ("gzip, br", "br"), ("gzip", "gzip"), ("br;q=0, gzip", "gzip"), ("deflate", None),
    (None, None),
])
def test_feeds_come_compressed_as_the_client_accepts(client, event, feed, accept, encoding):
    url = f"/api/v1/events/{event.slug}/{feed}?lang=en"
    plain = client.get(url)
    before = renders()
    response = client.get(url, headers={"Accept-Encoding": accept} if accept else {})
    assert response.status_code == 200 and renders() == before  # made with the rendering
    assert response.headers.get("Content-Encoding") == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    assert DECODE.get(encoding, bytes)(response.data) == plain.data
    assert response.headers["ETag"] == (
        f'"{plain.get_etag()[0]}:{encoding}"' if encoding else plain.headers["ETag"])
    assert response.headers["Content-Disposition"] == plain.headers["Content-Disposition"]


def test_a_compressed_variants_etag_answers_304_without_rendering(client, event):
    url = f"/api/v1/events/{event.slug}/schedule.json?lang=en"
    first = client.get(url, headers={"Accept-Encoding": "gzip, br"})
    before = renders()
    again = client.get(url, headers={"Accept-Encoding": "gzip, br",
                                     "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert renders() == before
    event.sessions[0].title_en = "Opening keynote, moved"
    db.session.commit()
    changed = client.get(url, headers={"Accept-Encoding": "gzip, br",
                                       "If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]
    assert b"Opening keynote, moved" in brotli.decompress(changed.data)


@pytest.mark.app_config(COMPRESS_MIMETYPES=[])  # Flask-Compress off: nothing compressed
@pytest.mark.parametrize("path", ["schedule", "schedule.ics"])
def test_compression_follows_the_compress_switch(client, event, path):
    url = (f"/events/{event.slug}/schedule" if path == "schedule"
           else f"/api/v1/events/{event.slug}/{path}")
    response = client.get(url + "?lang=en", headers={"Accept-Encoding": "gzip, br"})
    assert "Content-Encoding" not in response.headers and b"Opening" in response.data


def test_a_feed_304_is_one_query(client, event, count_queries):
    url = f"/api/v1/events/{event.slug}/schedule.json?lang=en"
    etag = client.get(url).headers["ETag"]
    db.session.remove()
    with count_queries() as counter:
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    # None on PostgreSQL while the process listens (festa.program.programme_listener)
    assert counter.count <= 1, counter.statements


def test_an_anonymous_schedule_page_comes_whole_from_the_cache(app, client, event,
                                                               count_queries):
    url = f"/events/{event.slug}/schedule?lang=en"
    first = client.get(url)
    rendered = []
    flask.template_rendered.connect(lambda _app, template, context: rendered.append(template),
                                    app)
    db.session.remove()
    with count_queries() as counter:
        page = app.test_client().get(url, headers={"Accept-Encoding": "gzip, br"})
    assert rendered == []  # no Jinja at all
    # the event, its version and seats; none on PostgreSQL while the process listens
    assert counter.count <= 1, counter.statements
    assert page.headers["Content-Encoding"] == "br" and page.mimetype == "text/html"
    assert brotli.decompress(page.data) == first.data
    html = first.get_data(as_text=True)
    assert "Opening keynote" in html and "10 seats left" in html
    assert 'name="csrf-token"' not in html and "Log out" not in html  # nobody's own
    with client.session_transaction() as cookie:
        assert "csrf_token" not in cookie  # no token made for a page that shows none


def test_a_logged_in_visitor_gets_their_own_frame_around_the_cached_body(client, auth, event):
    url = f"/events/{event.slug}/schedule?lang=en"
    anonymous = client.get(url).get_data(as_text=True)
    auth.login("organizer")
    before = renders()
    page = client.get(url, headers={"Accept-Encoding": "gzip, br"})
    html = page.get_data(as_text=True)  # not compressed: rendered for this request
    assert "Content-Encoding" not in page.headers and renders() == before
    assert "Log out" in html and 'name="csrf-token"' in html
    def main(page: str) -> str:
        return page.split("<main", 1)[1].split("</main>", 1)[0]

    assert main(anonymous) == main(html)  # the same body


def test_a_waiting_message_is_shown_not_cached(app, client, event):
    url = f"/events/{event.slug}/schedule?lang=en"
    client.get(url)
    with client.session_transaction() as cookie:
        cookie["_flashes"] = [("success", "Your seat is saved.")]
    assert "Your seat is saved." in client.get(url).get_data(as_text=True)
    assert "Your seat is saved." not in client.get(url).get_data(as_text=True)
    assert "Your seat is saved." not in app.test_client().get(url).get_data(as_text=True)


def test_the_cached_page_follows_the_seats_left(client, event):
    url = f"/events/{event.slug}/schedule?lang=en"
    headers = {"Accept-Encoding": "gzip"}
    assert b"10 seats left" in gzip.decompress(client.get(url, headers=headers).data)
    register(event, "이서연", "seoyeon@example.test", session_ids=[event.sessions[1].id])
    assert b"9 seats left" in gzip.decompress(client.get(url, headers=headers).data)


def test_the_compressed_variants_are_shared_through_redis(app, database_url, event, redis_url):
    url = f"/events/{event.slug}/schedule?lang=en"
    browser = {"Accept-Encoding": "gzip, br"}
    first = create_app(conftest.test_config(database_url, REDIS_URL=redis_url))
    second = create_app(conftest.test_config(database_url, REDIS_URL=redis_url))
    page = first.test_client().get(url, headers=browser)
    again = second.test_client().get(url, headers=browser)
    assert again.headers["Content-Encoding"] == page.headers["Content-Encoding"] == "br"
    assert again.data == page.data and b"Opening keynote" in brotli.decompress(again.data)
    with second.app_context():
        assert render_cache().renders == 0  # neither rendered nor compressed there
