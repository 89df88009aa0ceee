"""Sessions through the manage pages: times in the event's zone, room and track of the event
only, sequence bumped on every change, speakers with roles, conflict warnings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from festa.audit.models import AuditEntry
from festa.extensions import db
from festa.program.models import Session, SessionSpeaker
from tests.factories import make_event, make_room, make_session, make_track, seoul
from tests.manage.conftest import assert_field_errors, error_texts, session_form


@pytest.fixture
def organizer(client, auth):
    auth.login("organizer")
    return client


def _day(event) -> str:
    return event.start_date.isoformat()


def sessions_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Session.id)))


def test_create_session_in_the_events_zone(organizer, programme):
    event, room, track = programme["event"], programme["rooms"][0], programme["track"]
    data = session_form(_day(event), room_id=room.id, track_id=track.id, capacity="30",
                        reservation_required="y")
    response = organizer.post(f"/manage/events/{event.id}/sessions/new", data=data)
    assert response.status_code == 302
    session = db.session.scalar(sa.select(Session))
    assert response.headers["Location"] == f"/manage/sessions/{session.id}/edit"
    d = event.start_date
    assert session.starts_at == datetime(d.year, d.month, d.day, 1, 0, tzinfo=UTC)  # 10:00 KST
    assert (session.room_id, session.track_id, session.capacity) == (room.id, track.id, 30)
    assert session.reservation_required and session.kind == "keynote"
    assert session.sequence == 0
    entry = db.session.scalar(sa.select(AuditEntry))
    assert (entry.action, entry.target_id, entry.event_id) == (
        "session.create", session.id, event.id)


SESSION_ERRORS = [
    ({"ends_at": "{day}T09:00"}, "Ends", "not after the start"),
    ({"ends_at": "{day}T10:00"}, "Ends", "not after the start"),
    ({"room_id": "{other_room}"}, "Room", "Unknown room"),
    ({"room_id": "424242"}, "Room", "Unknown room"),
    ({"track_id": "{other_track}"}, "Track", "Unknown track"),
    ({"title_en": "x" * 301}, "Title (English)", "300"),
    ({"title_ko": ""}, "Title (Korean)", "required"),
    ({"capacity": "-3"}, "Capacity", "0 or more"),
    ({"kind": "party"}, "Kind", "valid choice"),
    ({"starts_at": "tomorrow"}, "Starts", "datetime"),
]


def test_session_errors_name_the_field_and_save_nothing(organizer, programme):
    event = programme["event"]
    other_event = make_event(slug="elsewhere")
    names = {"day": _day(event), "other_room": make_room().id,
             "other_track": make_track(other_event).id}
    db.session.commit()
    cases = [({k: v.format(**names) for k, v in overrides.items()}, label, message)
             for overrides, label, message in SESSION_ERRORS]
    assert_field_errors(
        organizer, f"/manage/events/{event.id}/sessions/new",
        session_form(_day(event), room_id=programme["rooms"][0].id), cases,
        lambda: (sessions_count(), db.session.scalar(sa.select(sa.func.count(AuditEntry.id)))))
    assert sessions_count() == 0


def test_edit_bumps_the_sequence_and_a_bad_edit_changes_nothing(organizer, programme):
    event, room = programme["event"], programme["rooms"][0]
    session = make_session(event, room, title_en="Before")
    db.session.commit()
    url = f"/manage/sessions/{session.id}/edit"
    data = session_form(_day(event), title_en="After", room_id=room.id)
    assert organizer.post(url, data=data).status_code == 302
    assert organizer.post(url, data=dict(data, cancelled="y")).status_code == 302
    db.session.refresh(session)
    assert (session.title_en, session.cancelled, session.sequence) == ("After", True, 2)

    bad = dict(data, title_en="Half", ends_at=f"{_day(event)}T08:00")
    assert organizer.post(url, data=bad).status_code == 422
    db.session.refresh(session)
    assert (session.title_en, session.sequence) == ("After", 2)
    assert [a for a, in db.session.execute(sa.select(AuditEntry.action))] == [
        "session.update", "session.update"]


def test_the_edit_form_shows_local_times(organizer, programme):
    event = programme["event"]
    session = make_session(event, programme["rooms"][0], start=seoul(event.start_date, 14, 30))
    db.session.commit()
    page = organizer.get(f"/manage/sessions/{session.id}/edit").get_data(as_text=True)
    assert f'value="{_day(event)}T14:30"' in page


def test_delete_session(organizer, programme):
    session = make_session(programme["event"], programme["rooms"][0])
    db.session.commit()
    assert organizer.get(f"/manage/sessions/{session.id}/delete").status_code == 200
    assert sessions_count() == 1
    response = organizer.post(f"/manage/sessions/{session.id}/delete")
    assert response.status_code == 302
    assert sessions_count() == 0


def test_assign_and_remove_speakers(organizer, programme):
    session = make_session(programme["event"], programme["rooms"][0])
    mayor, professor = programme["speakers"]
    db.session.commit()
    url = f"/manage/sessions/{session.id}/speakers"
    organizer.post(url, data={"assign-speaker_id": professor.id, "assign-role": "speaker",
                              "assign-position": "1"})
    organizer.post(url, data={"assign-speaker_id": mayor.id, "assign-role": "moderator",
                              "assign-position": "0"})
    db.session.expire_all()
    roles = db.session.scalars(sa.select(SessionSpeaker).order_by(SessionSpeaker.position)).all()
    assert [(r.speaker_id, r.role) for r in roles] == [
        (mayor.id, "moderator"), (professor.id, "speaker")]
    # Assigning again changes the role instead of adding a second row.
    organizer.post(url, data={"assign-speaker_id": mayor.id, "assign-role": "speaker",
                              "assign-position": "0"})
    organizer.post(f"/manage/sessions/{session.id}/speakers/{professor.id}/remove")
    db.session.expire_all()
    roles = db.session.scalars(sa.select(SessionSpeaker)).all()
    assert [(r.speaker_id, r.role) for r in roles] == [(mayor.id, "speaker")]
    assert db.session.get(Session, session.id).sequence == 4
    page = organizer.get(f"/manage/sessions/{session.id}/edit").get_data(as_text=True)
    assert mayor.family_name_ko in page


def test_assign_with_a_bad_order_names_the_field(organizer, programme):
    session = make_session(programme["event"], programme["rooms"][0])
    db.session.commit()
    response = organizer.post(f"/manage/sessions/{session.id}/speakers?lang=en", data={
        "assign-speaker_id": programme["speakers"][0].id, "assign-role": "speaker",
        "assign-position": "-1"}, follow_redirects=True)
    assert "Order: Must be 0 or more" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionSpeaker)) == 0


def test_conflicts_are_shown_on_the_edit_page_after_saving(organizer, programme):
    event, room = programme["event"], programme["rooms"][0]
    first = make_session(event, room, title_en="First talk")
    db.session.commit()
    data = session_form(_day(event), title_en="Second talk", room_id=room.id)
    response = organizer.post(f"/manage/events/{event.id}/sessions/new?lang=en", data=data,
                              follow_redirects=True)
    page = response.get_data(as_text=True)
    assert 'data-code="room_double_booked"' in page
    assert "“First talk”" in page and "booked twice" in page
    quiet = organizer.get(f"/manage/events/{event.id}/conflicts").get_data(as_text=True)
    assert quiet.count('data-code="room_double_booked"') == 1
    assert f"/manage/sessions/{first.id}/edit" in quiet


def test_check_endpoint_reports_conflicts_before_saving(organizer, programme):
    event, (room, other_room) = programme["event"], programme["rooms"]
    existing = make_session(event, room)
    db.session.commit()
    url = f"/manage/events/{event.id}/sessions/check"
    clash = organizer.post(url, data=session_form(_day(event), room_id=room.id)).get_json()
    assert [c["code"] for c in clash["conflicts"]] == ["room_double_booked"]
    fine = organizer.post(url, data=session_form(_day(event), room_id=other_room.id))
    assert fine.get_json() == {"conflicts": []}
    itself = organizer.post(url, data=dict(session_form(_day(event), room_id=room.id),
                                           session_id=existing.id))
    assert itself.get_json() == {"conflicts": []}
    early = organizer.post(url, data=session_form(_day(event), room_id=other_room.id,
                                                  starts_at=f"{_day(event)}T07:00"))
    assert [c["code"] for c in early.get_json()["conflicts"]] == ["outside_room_hours"]
    assert sessions_count() == 1


def test_event_page_loads_in_constant_queries(organizer, programme, count_queries):
    event, room = programme["event"], programme["rooms"][0]
    speaker = programme["speakers"][0]

    def add(n):
        for i in range(n):
            make_session(event, room, start=seoul(event.start_date, 9) + i * (
                datetime(2000, 1, 1, 0, 20) - datetime(2000, 1, 1)), minutes=15,
                speakers=[speaker])
        db.session.commit()

    counts = []
    for n in (3, 30):
        add(n)
        db.session.expire_all()
        with count_queries() as counter:
            assert organizer.get(f"/manage/events/{event.id}/").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_all_errors_show_at_once(organizer, programme):
    """The form's own errors and the service's (end before start) in one answer."""
    event = programme["event"]
    data = session_form(_day(event), title_en="", ends_at=f"{_day(event)}T09:00")
    response = organizer.post(f"/manage/events/{event.id}/sessions/new?lang=en", data=data)
    errors = error_texts(response.get_data(as_text=True))
    assert "Title (English)" in errors and "not after the start" in errors
