"""The schedule's published event, version and seats kept per process while it LISTENs
(PostgreSQL): every kind of programme change is announced by the database in its
transaction, a change committed by another connection is seen by the next request once
announced, and while the listener is not connected requests read the database."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg
import pytest
import sqlalchemy as sa

from festa.auth.services import create_api_token
from festa.extensions import db
from festa.program import programme_listener
from festa.program.models import Event, Session
from festa.program.programme_listener import listener_for, wait_listening
from festa.registration.services import register
from tests.factories import make_event, make_room, make_session, make_user, seoul

pytestmark = pytest.mark.usefixtures("postgres_only")


@pytest.fixture
def postgres_only(is_postgres):
    if not is_postgres:
        pytest.skip("LISTEN/NOTIFY: PostgreSQL only (SQLite reads the database every time)")


@pytest.fixture
def event(app):
    event = make_event(slug="festa", capacity=None)
    room = make_room(venue=event.venue, name_en="Hall A")
    make_session(event, room, title_en="Opening keynote")
    make_session(event, room, start=seoul(event.start_date, 14), title_en="Robots workshop",
                 reservation_required=True, capacity=10)
    db.session.commit()
    return event


def _dsn(database_url: str) -> str:
    url = sa.engine.make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


@contextmanager
def announcements(database_url: str) -> Iterator[Callable[[], set[str]]]:
    """`with announcements(url) as heard:` … `heard()`: the payloads announced on
    festa_programme by what was committed inside the block."""
    with psycopg.connect(_dsn(database_url), autocommit=True) as connection:
        connection.execute("LISTEN festa_programme")
        payloads: set[str] = set()

        def heard() -> set[str]:
            for notification in connection.notifies(timeout=1.0):
                payloads.add(notification.payload)
            return payloads

        yield heard


def _listening(app):
    listener = listener_for(db.engine)
    assert listener is not None and wait_listening(listener)
    return listener


def _forgotten(listener, slug: str) -> bool:
    deadline = time.monotonic() + 10
    while slug in listener._rows and time.monotonic() < deadline:
        time.sleep(0.01)
    return slug not in listener._rows


@pytest.mark.parametrize("change", ["edit", "patch_api", "import", "reservation",
                                    "unpublish", "slug"])
def test_each_kind_of_change_is_announced(app, client, auth, database_url, event, change):
    workshop = event.sessions[1]
    with announcements(database_url) as heard:
        if change == "edit":  # what the manage form saves
            event.sessions[0].title_en = "Opening keynote, moved"
            db.session.commit()
        elif change == "patch_api":
            token = create_api_token(make_user(email="organizer@festa.test"))
            db.session.commit()
            response = client.patch(
                f"/api/v1/events/festa/sessions/{workshop.id}?lang=en",
                json={"version": workshop.version,
                      "start": seoul(event.start_date, 15).isoformat(),
                      "end": seoul(event.start_date, 16).isoformat()},
                headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 200, response.get_data(as_text=True)
        elif change == "import":
            auth.login("organizer")
            data = client.get(f"/manage/events/{event.id}/export/programme.csv").data
            data = data.replace(b"Robots workshop", b"Robots workshop imported")
            upload = client.post(f"/manage/events/{event.id}/import",
                                 data={"upload": (io.BytesIO(data), "programme.csv")},
                                 content_type="multipart/form-data")
            key = upload.location.rsplit("/", 1)[1]
            confirm = client.post(upload.location, data={"key": key})
            assert confirm.status_code == 302, confirm.get_data(as_text=True)
            assert db.session.scalar(sa.select(Session.title_en).where(
                Session.id == workshop.id)) == "Robots workshop imported"
        elif change == "reservation":
            register(event, "이서연", "seoyeon@example.test", session_ids=[workshop.id])
        elif change == "unpublish":
            event.published = False
            db.session.commit()
        else:
            event.slug = "festa-2026"
            db.session.commit()
        assert str(event.id) in heard()


def test_a_registration_without_a_session_seat_is_not_announced(app, database_url):
    event = make_event(slug="festa", capacity=100)
    db.session.commit()
    with announcements(database_url) as heard:
        register(event, "이서연", "seoyeon@example.test")
        assert heard() == set()


def test_a_change_by_another_connection_reaches_the_next_request(app, client, event,
                                                                 count_queries):
    listener = _listening(app)
    event_id, workshop_id = event.id, event.sessions[1].id
    url = "/events/festa/schedule?lang=en"
    assert "10 seats left" in client.get(url).get_data(as_text=True)
    etag = client.get("/api/v1/events/festa/schedule.json?lang=en").headers["ETag"]
    db.session.remove()
    with count_queries() as counter:
        assert client.get(url).status_code == 200
        assert client.get("/api/v1/events/festa/schedule.json?lang=en",
                          headers={"If-None-Match": etag}).status_code == 304
    assert counter.count == 0, counter.statements
    # Another process's transaction: not this process's session, so only the database's
    # notification tells this process.
    with db.engine.begin() as connection:
        connection.execute(sa.update(Session).where(Session.id == workshop_id)
                           .values(seats_taken=3))
    assert _forgotten(listener, "festa")
    assert "7 seats left" in client.get(url).get_data(as_text=True)
    with db.engine.begin() as connection:
        connection.execute(sa.update(Event).where(Event.id == event_id)
                           .values(published=False))
    assert _forgotten(listener, "festa")
    assert client.get(url).status_code == 404
    assert client.get("/api/v1/events/festa/schedule.json").status_code == 404


def test_while_disconnected_every_request_reads_the_database(app, client, event,
                                                             count_queries, monkeypatch):
    monkeypatch.setattr(programme_listener, "RETRY_SECONDS", 5.0)  # stays disconnected
    listener = _listening(app)
    url = "/events/festa/schedule?lang=en"
    client.get(url)
    with db.engine.connect() as connection:
        connection.execute(sa.text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = 'festa-programme-listener'"
            " AND datname = current_database()"))
    assert wait_listening(listener, False)
    with db.engine.begin() as connection:  # not announced to anyone in this process
        connection.execute(sa.update(Session).where(Session.id == event.sessions[1].id)
                           .values(seats_taken=4))
    db.session.remove()
    assert "6 seats left" in client.get(url).get_data(as_text=True)
    db.session.remove()
    with count_queries() as counter:  # the page from the cache, after one query
        assert "6 seats left" in client.get(url).get_data(as_text=True)
    assert counter.count == 1, counter.statements
    assert not listener.listening
    assert wait_listening(listener)  # back, having forgotten what it held
    assert listener._rows == {}
    client.get(url)
    db.session.remove()
    with count_queries() as counter:
        assert "6 seats left" in client.get(url).get_data(as_text=True)
    assert counter.count == 0, counter.statements
