"""Schedule versions: publishing numbers the schedule, the changelog says what changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import refresh

from festa.audit.models import AuditEntry
from festa.errors import FestaError
from festa.extensions import db
from festa.opendata import versions
from festa.program import sessions as session_services
from tests.factories import make_session, seoul


def _publish(event):
    version = versions.publish_schedule(event)
    db.session.commit()
    return version


def test_first_version_then_changes(programme):
    event = programme.event
    first = _publish(event)
    assert (first.number, first.changelog, event.schedule_version) == (1, [], 1)
    with pytest.raises(FestaError) as refused:
        versions.publish_schedule(event)
    assert refused.value.code == "nothing_changed"
    db.session.rollback()

    programme.keynote.starts_at += timedelta(minutes=30)
    programme.keynote.ends_at += timedelta(minutes=30)
    programme.dialogue.room = programme.side
    programme.workshop.cancelled = True
    programme.cancelled.cancelled = False  # reinstated: shows as new again
    programme.cancelled.title_en = "Back again"
    added = make_session(event, programme.hall, start=seoul(event.start_date, 15),
                         title_en="Late addition")
    db.session.commit()
    assert {c["change"] for c in versions.pending_changes(event)} >= {"moved", "new_room"}

    second = _publish(event)
    assert second.number == 2 and event.schedule_version == 2
    changes = {(c["session_id"], c["change"]) for c in second.changelog}
    assert changes == {
        (programme.keynote.id, "moved"), (programme.dialogue.id, "new_room"),
        (programme.workshop.id, "cancelled"), (programme.cancelled.id, "new"),
        (added.id, "new"),
    }
    moved = next(c for c in second.changelog if c["change"] == "moved")
    assert moved["detail"]["title_en"] == "Seven AI strategies"
    assert moved["detail"]["from_start"] < moved["detail"]["to_start"]
    assert db.session.query(AuditEntry).filter_by(action="schedule.publish").count() == 2


def test_text_changes_and_deleted_sessions(programme):
    event = programme.event
    _publish(event)
    programme.keynote.abstract_en = "Now with an abstract"
    db.session.delete(programme.dialogue)
    db.session.commit()
    version = _publish(event)
    assert {(c["change"], c["detail"]["title_en"]) for c in version.changelog} == {
        ("changed", "Seven AI strategies"), ("cancelled", "Special dialogue")}


def test_session_update_bumps_sequence_and_feeds_show_it(client, programme):
    """The manage engineer's update_session bumps `sequence`; the .ics carries it."""
    before = programme.keynote.sequence
    session_services.update_session(programme.keynote, {"title_en": "Renamed"})
    db.session.commit()
    assert programme.keynote.sequence == before + 1
    body = client.get("/api/v1/events/ai-seoul-test/schedule.ics").get_data(as_text=True)
    assert f"SEQUENCE:{before + 1}" in body


def test_manage_page_publishes_and_public_changelog_lists(client, auth, programme):
    auth.login("organizer")
    event = programme.event
    page = client.get(f"/manage/events/{event.id}/open-data")
    assert page.status_code == 200
    response = client.post(f"/manage/events/{event.id}/schedule-versions")
    assert response.status_code == 302
    programme.keynote.room = programme.side
    db.session.commit()
    assert 'data-change="new_room"' in client.get(
        f"/manage/events/{event.id}/open-data").get_data(as_text=True)
    client.post(f"/manage/events/{event.id}/schedule-versions")
    assert event.schedule_version == 2
    feed = client.get("/api/v1/events/ai-seoul-test/schedule.json").get_json()
    assert feed["schedule"]["version"] == "2"

    auth.logout()
    refresh()  # the test's app context outlives requests: forget the cached locale
    public = client.get("/events/ai-seoul-test/changes?lang=en")
    assert public.status_code == 200
    html = public.get_data(as_text=True)
    assert "Version 2" in html and "Version 1" in html
    assert 'data-change="new_room"' in html
    assert "Room 300" in html and "Seven AI strategies" in html
    refresh()
    korean = client.get("/events/ai-seoul-test/changes?lang=ko").get_data(as_text=True)
    assert "새 회의실" in korean and "7대 AI 전략" in korean


def test_changelog_of_unpublished_event_is_hidden(client, programme):
    programme.event.published = False
    db.session.commit()
    assert client.get("/events/ai-seoul-test/changes").status_code == 404
