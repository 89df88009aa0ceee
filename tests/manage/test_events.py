"""Events and tracks through the manage pages: create, edit, publish, delete; every error
names its field, nothing is half-saved, and every change is in the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from festa.audit.models import AuditEntry
from festa.extensions import db
from festa.program.models import Event, Track
from festa.registration.models import Registration
from tests.factories import make_event
from tests.manage.conftest import assert_field_errors, error_texts, event_form


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


@pytest.fixture
def organizer(client, auth):
    auth.login("organizer")
    return client


def test_create_event_converts_the_registration_window_to_utc(organizer, programme):
    venue = programme["venue"]
    response = organizer.post("/manage/events/new", data=event_form(venue_id=venue.id))
    assert response.status_code == 302
    event = db.session.scalar(sa.select(Event).where(Event.slug == "ai-seoul-2026"))
    assert response.headers["Location"] == f"/manage/events/{event.id}/"
    assert event.published is False and event.venue_id == venue.id
    # 09:00 in Seoul is 00:00 UTC.
    assert event.registration_opens_at == datetime(2026, 2, 1, 0, 0, tzinfo=UTC)
    assert event.registration_closes_at == datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
    assert actions() == ["event.create"]
    page = organizer.get(f"/manage/events/{event.id}/edit").get_data(as_text=True)
    assert 'value="2026-02-01T09:00"' in page  # shown back in local time


EVENT_ERRORS = [
    ("slug", "Bad Slug!", "Web address (slug)", "lowercase letters"),
    ("slug", "a--b", "Web address (slug)", "lowercase letters"),
    ("end_date", "2026-03-01", "Last day", "before the start date"),
    ("name_ko", "가" * 201, "Name (Korean)", "200"),
    ("name_en", "", "Name (English)", "required"),
    ("capacity", "-1", "Capacity", "0 or more"),
    ("timezone", "Mars/Olympus", "Time zone", "Unknown time zone"),
    ("venue_id", "999", "Venue", "Unknown venue"),
    ("registration_closes_at", "2026-01-01T09:00", "Registration closes", "close after"),
    ("start_date", "2026-13-45", "First day", "date"),
    ("retention_days", "0", "Keep personal data (days after the event)", "between 1 and 1825"),
    ("country", "XX", "Country", "Choose a country from the list"),
    ("country", "Korea", "Country", "Choose a country from the list"),
    ("currency", "ABC", "Currency", "Choose a currency from the list"),
    ("currency", "DEM", "Currency", "Choose a currency from the list"),  # no longer paid with
    ("organizer_url", "javascript:alert(1)", "Organizer's website", "https://"),
    ("organizer_url", "www.seoul.go.kr", "Organizer's website", "https://"),
    ("organizer_name_en", "x" * 201, "Organizer (English)", "200"),
]


def test_event_errors_name_the_field_and_save_nothing(organizer):
    cases = [({field: value}, label, message) for field, value, label, message in EVENT_ERRORS]
    assert_field_errors(organizer, "/manage/events/new", event_form(), cases,
                        lambda: (count(Event), count(AuditEntry)))
    assert count(Event) == 0


def test_slug_must_be_unique(organizer):
    make_event(slug="ai-seoul-2026")
    db.session.commit()
    response = organizer.post("/manage/events/new?lang=en", data=event_form())
    assert response.status_code == 422
    assert "already uses this address" in error_texts(response.get_data(as_text=True))
    assert count(Event) == 1


def test_edit_event_and_errors_leave_it_unchanged(organizer, programme):
    event = programme["event"]
    form = event_form(slug=event.slug, venue_id=event.venue_id, name_en="Renamed")
    assert organizer.post(f"/manage/events/{event.id}/edit", data=form).status_code == 302
    db.session.refresh(event)
    assert event.name_en == "Renamed"
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "event.update"))
    assert entry.details["changes"]["name_en"][1] == "Renamed"
    assert entry.event_id == event.id and entry.user_id is not None

    bad = dict(form, name_en="Half saved?", end_date="2026-01-01")
    assert organizer.post(f"/manage/events/{event.id}/edit", data=bad).status_code == 422
    db.session.refresh(event)
    assert event.name_en == "Renamed"


def test_retention_period_is_set_on_the_event_and_promised_in_the_notice(organizer, client):
    event = make_event(published=True)
    db.session.commit()
    form = event_form(slug=event.slug, start_date=event.start_date.isoformat(),
                      end_date=event.end_date.isoformat(), registration_opens_at="",
                      registration_closes_at="", retention_days="30")
    assert organizer.post(f"/manage/events/{event.id}/edit", data=form).status_code == 302
    db.session.refresh(event)
    assert event.retention_days == 30
    assert event.erase_after == event.end_date + timedelta(days=30)
    notice = client.get(f"/events/{event.slug}/register?lang=en").get_data(as_text=True)
    assert "(30 days after the event)" in notice
    # Left empty, the period is the default year.
    form["retention_days"] = ""
    assert organizer.post(f"/manage/events/{event.id}/edit", data=form).status_code == 302
    db.session.refresh(event)
    assert event.retention_days == 365


def test_publish_and_unpublish(organizer, programme):
    event = programme["event"]
    organizer.post(f"/manage/events/{event.id}/publish", data={"published": "1"})
    db.session.refresh(event)
    assert event.published
    organizer.post(f"/manage/events/{event.id}/publish", data={"published": "0"})
    db.session.refresh(event)
    assert not event.published
    assert actions() == ["event.publish", "event.unpublish"]


def test_delete_event_asks_first(organizer, programme):
    event = programme["event"]
    page = organizer.get(f"/manage/events/{event.id}/delete?lang=en")
    assert page.status_code == 200 and "cannot be undone" in page.get_data(as_text=True)
    assert count(Event) == 1
    response = organizer.post(f"/manage/events/{event.id}/delete")
    assert response.status_code == 302 and response.headers["Location"] == "/manage/events/"
    assert count(Event) == 0 and count(Track) == 0
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "event.delete"))
    assert entry.details["slug"] == "ai-seoul-festa" and entry.target_id == event.id


def test_an_event_with_registrations_cannot_be_deleted(organizer, programme):
    event = programme["event"]
    db.session.add(Registration(event=event, name="홍길동", email="hong@example.com",
                                agenda_token="t" * 32))
    db.session.commit()
    response = organizer.post(f"/manage/events/{event.id}/delete", follow_redirects=True)
    assert "cannot be deleted" in response.get_data(as_text=True) or \
        "삭제할 수 없습니다" in response.get_data(as_text=True)
    assert count(Event) == 1 and "event.delete" not in actions()


def test_tracks(organizer, programme):
    event = programme["event"]
    data = {"name_ko": "인재", "name_en": "Talent", "color": "#aa3355", "position": "1"}
    assert organizer.post(f"/manage/events/{event.id}/tracks/new", data=data).status_code == 302
    track = db.session.scalar(sa.select(Track).where(Track.name_en == "Talent"))
    assert track.event_id == event.id and track.color == "#aa3355"
    bad = organizer.post(f"/manage/tracks/{track.id}/edit?lang=en", data=dict(data, color="red"))
    assert bad.status_code == 422 and "Colour" in error_texts(bad.get_data(as_text=True))
    assert organizer.post(f"/manage/tracks/{track.id}/delete").status_code == 302
    assert db.session.get(Track, track.id) is None
    assert actions() == ["track.create", "track.delete"]


def test_dashboard_counts(organizer, programme):
    from tests.factories import make_session

    event = programme["event"]
    make_session(event, programme["rooms"][0])
    make_session(event, programme["rooms"][0])  # same room, same time: a conflict each way
    db.session.add(Registration(event=event, name="a", email="a@example.com",
                                agenda_token="a" * 32))
    db.session.commit()
    page = organizer.get("/manage/?lang=en").get_data(as_text=True)
    assert event.name_en in page
    stats = [int(n) for n in __import__("re").findall(r"<dd>(?:<a[^>]*>)?(\d+)", page)]
    assert stats == [2, 1, 1]  # sessions, conflicts, registrations
