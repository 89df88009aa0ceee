"""Schedule feeds: frab JSON against the C3VOC schema, frab XML against the XSD, iCalendar."""

from __future__ import annotations

import icalendar
import pytest

from festa.extensions import db
from festa.opendata import versions
from festa.program.models import Session
from festa.registration.seat_counters import release_seat, take_seat


def _errors(validator, document) -> list[str]:
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(document)]


def test_schedule_json_validates_and_carries_the_version(client, programme, frab_validator):
    versions.publish_schedule(programme.event)
    db.session.commit()
    response = client.get("/api/v1/events/ai-seoul-test/schedule.json?lang=en")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    document = response.get_json()
    assert _errors(frab_validator, document) == []
    schedule = document["schedule"]
    assert schedule["version"] == "1"
    conference = schedule["conference"]
    assert conference["time_zone_name"] == "Asia/Seoul"
    assert conference["daysCount"] == 2
    first_day = conference["days"][0]
    talks = first_day["rooms"]["Grand Ballroom"]
    assert [t["title"] for t in talks] == ["Seven AI strategies", "Special dialogue"]
    assert talks[0]["date"].endswith("+09:00") and talks[0]["start"] == "10:00"
    assert talks[0]["duration"] == "01:00"
    assert [p["name"] for p in talks[1]["persons"]] == ["Oh Se-hoon", "Jerry Kaplan"]
    titles = [e["title"] for d in conference["days"] for r in d["rooms"].values() for e in r]
    assert "Dropped talk" not in titles  # cancelled sessions leave the frab feeds


def test_schedule_json_is_korean_by_default(client, programme, frab_validator):
    document = client.get("/api/v1/events/ai-seoul-test/schedule.json").get_json()
    assert _errors(frab_validator, document) == []
    talks = document["schedule"]["conference"]["days"][0]["rooms"]["그랜드볼룸"]
    assert talks[0]["title"] == "7대 AI 전략"
    assert [p["name"] for p in talks[1]["persons"]] == ["오세훈", "제리 캐플런"]


def test_unpublished_changes_change_the_feed_version(client, programme):
    def version():
        document = client.get("/api/v1/events/ai-seoul-test/schedule.json").get_json()
        return document["schedule"]["version"]

    versions.publish_schedule(programme.event)
    db.session.commit()
    assert version() == "1"
    programme.keynote.title_en = "Edited"
    db.session.commit()
    edited = version()
    assert edited.startswith("1+") and len(edited) == 10
    programme.keynote.starts_at = programme.keynote.starts_at.replace(minute=15)
    db.session.commit()
    assert version() not in (edited, "1")
    versions.publish_schedule(programme.event)
    db.session.commit()
    assert version() == "2"


def test_guids_stay_the_same_when_a_session_moves(client, programme):
    def guid_of(title):
        doc = client.get("/api/v1/events/ai-seoul-test/schedule.json?lang=en").get_json()
        days = doc["schedule"]["conference"]["days"]
        return next(e["guid"] for d in days for r in d["rooms"].values() for e in r
                    if e["title"] == title)

    before = guid_of("Special dialogue")
    programme.dialogue.room = programme.side
    db.session.commit()
    assert guid_of("Special dialogue") == before


def test_schedule_xml_validates_against_the_xsd(client, programme, frab_xsd):
    response = client.get("/api/v1/events/ai-seoul-test/schedule.xml?lang=en")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    text = response.get_data(as_text=True)
    assert [str(e) for e in frab_xsd.iter_errors(text)] == []
    data = frab_xsd.to_dict(text)
    assert data["version"].startswith("0+")  # never published: number and a digest
    rooms = data["day"][0]["room"]
    assert rooms[0]["@name"] == "Grand Ballroom"
    assert rooms[0]["event"][0]["title"] == "Seven AI strategies"


def test_schedule_ics_round_trips_with_vtimezone(client, programme, app):
    response = client.get("/api/v1/events/ai-seoul-test/schedule.ics?lang=en")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    cal = icalendar.Calendar.from_ical(response.data)
    assert [tz["TZID"] for tz in cal.timezones] == ["Asia/Seoul"]
    events = {str(e["UID"]): e for e in cal.events}
    uid = f"session-{programme.keynote.id}@127.0.0.1"
    keynote = events[uid]
    assert str(keynote["SUMMARY"]) == "Seven AI strategies"
    assert keynote.start.utcoffset().total_seconds() == 9 * 3600
    assert keynote.start.tzinfo is not None and "Seoul" in str(keynote.start.tzinfo)
    assert keynote.start == programme.keynote.starts_at
    assert str(events[f"session-{programme.cancelled.id}@127.0.0.1"]["STATUS"]) == "CANCELLED"
    assert str(keynote["STATUS"]) == "CONFIRMED"
    # Round trip: serialising the parsed calendar gives the same calendar again.
    again = icalendar.Calendar.from_ical(cal.to_ical())
    assert again.to_ical() == cal.to_ical()
    assert str(cal["X-FESTA-SCHEDULE-VERSION"]).startswith("0+")


def test_ics_sequence_follows_the_session(client, programme):
    programme.keynote.sequence = 4
    db.session.commit()
    cal = icalendar.Calendar.from_ical(
        client.get("/api/v1/events/ai-seoul-test/schedule.ics").data
    )
    keynote = next(e for e in cal.events if str(e["UID"]).startswith(
        f"session-{programme.keynote.id}@"))
    assert keynote["SEQUENCE"] == 4


def test_feeds_answer_304_while_nothing_changed(client, programme):
    url = "/api/v1/events/ai-seoul-test/schedule.ics"
    first = client.get(url)
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    programme.keynote.title_ko = "새 제목"
    db.session.commit()
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 200


@pytest.mark.parametrize("fmt", ["json", "xml", "ics"])
def test_unpublished_or_unknown_events_have_no_feed(client, programme, fmt):
    programme.event.published = False
    db.session.commit()
    response = client.get(f"/api/v1/events/ai-seoul-test/schedule.{fmt}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert client.get(f"/api/v1/events/nope/schedule.{fmt}").status_code == 404


def test_feed_routes_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for fmt in ("json", "xml", "ics"):
        assert f"/api/v1/events/{{slug}}/schedule.{fmt}" in paths


def test_daylight_saving_zone_has_one_rdate_per_line(client, programme):
    """ical.js and vobject read only the first date of a comma-separated RDATE."""
    programme.event.timezone = "Europe/Berlin"
    db.session.commit()
    body = client.get("/api/v1/events/ai-seoul-test/schedule.ics").data.decode()
    unfolded = body.replace("\r\n ", "")
    rdates = [line for line in unfolded.splitlines() if line.startswith("RDATE")]
    assert len(rdates) > 10 and not [line for line in rdates if "," in line]
    cal = icalendar.Calendar.from_ical(body)
    (zone,) = cal.timezones
    assert str(zone["TZID"]) == "Europe/Berlin"
    # Every start still reads as the API's instant.
    keynote = next(e for e in cal.events if str(e["UID"]).startswith(
        f"session-{programme.keynote.id}@"))
    assert keynote.start == programme.keynote.starts_at


def test_a_booked_seat_changes_no_calendar_stamp(client, programme):
    url = "/api/v1/events/ai-seoul-test/schedule.ics"
    before = client.get(url)
    stamped = programme.workshop.updated_at
    assert take_seat(Session, programme.workshop.id)
    db.session.commit()
    db.session.refresh(programme.workshop)
    assert programme.workshop.seats_taken == 1 and programme.workshop.updated_at == stamped
    release_seat(Session, programme.workshop.id)
    db.session.commit()
    after = client.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 304
    db.session.refresh(programme.workshop)
    assert programme.workshop.updated_at == stamped
