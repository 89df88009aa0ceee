"""The read-only programme API of the contract: events and an event's sessions."""

from __future__ import annotations

from datetime import datetime

from festa.extensions import db
from tests.factories import make_event, make_session, make_speaker
from tests.program.conftest import CONFERENCE, FESTA

EVENT_FIELDS = {"slug", "name", "start", "end", "timezone", "registration_open"}
SESSION_FIELDS = {"id", "speakers", "room", "track", "start", "end", "capacity", "seats_left"}


def test_events_lists_published_events_in_the_contract_shape(client, demo):
    make_event(slug="draft", published=False)
    db.session.commit()
    response = client.get("/api/v1/events")
    assert response.status_code == 200
    events = {e["slug"]: e for e in response.get_json()}
    assert set(events) == {FESTA, CONFERENCE}
    for event in events.values():
        assert set(event) >= EVENT_FIELDS
        assert datetime.fromisoformat(event["start"]).utcoffset() is not None
        assert event["timezone"] == "Asia/Seoul"
    assert events[CONFERENCE]["start"].startswith("2025-02-11T00:00:00+09:00")
    assert events[CONFERENCE]["registration_open"] is False
    assert events[FESTA]["registration_open"] is True


def test_sessions_with_speakers_room_track_and_seats(client, demo):
    response = client.get(f"/api/v1/events/{FESTA}/sessions?lang=en")
    assert response.status_code == 200
    sessions = response.get_json()
    assert len(sessions) == 41
    assert all(set(s) >= SESSION_FIELDS for s in sessions)
    starts = [s["start"] for s in sessions]
    assert starts == sorted(starts) and all(s.endswith("+09:00") for s in starts)
    opening = next(s for s in sessions if s["title_en"].startswith("Opening keynote"))
    assert opening["speakers"] == [{"id": opening["speakers"][0]["id"], "name": "Oh Se-hoon",
                                    "role": "speaker"}]
    assert opening["room"]["name"] == "Grand Ballroom"
    assert opening["track"]["name"] == "AI for Citizens"
    assert opening["capacity"] is None and opening["seats_left"] is None
    workshop = next(s for s in sessions if s["kind"] == "workshop")
    assert workshop["reservation_required"] and workshop["seats_left"] == workshop["capacity"]


def test_kaplan_dialogue_in_the_api(client, demo):
    sessions = client.get(f"/api/v1/events/{CONFERENCE}/sessions").get_json()
    dialogue = next(s for s in sessions if s["kind"] == "dialogue")
    names = [sp["name"] for sp in dialogue["speakers"]]
    assert "제리 캐플런" in names or "Jerry Kaplan" in names
    assert dialogue["start"] == "2025-02-11T10:40:00+09:00"


def test_sessions_of_an_unpublished_event_are_not_found(client, app):
    event = make_event(published=False)
    make_session(event, speakers=[make_speaker()])
    db.session.commit()
    response = client.get(f"/api/v1/events/{event.slug}/sessions")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
