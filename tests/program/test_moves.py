"""Moving sessions (issue 14): the service and `PATCH /api/v1/events/{slug}/sessions/{id}`
— versions (409/412 on a stale one), warnings, hard rules (422), audit, changelog, mail."""

from __future__ import annotations

import threading
from datetime import time

import pytest
import sqlalchemy as sa

from festa.audit.models import AuditEntry
from festa.auth.services import create_api_token
from festa.errors import FestaError
from festa.extensions import db
from festa.opendata import versions
from festa.outbox import services as outbox
from festa.outbox.models import OutboxMessage
from festa.program.models import Session
from festa.program.moves import StaleVersion, move_session
from tests.factories import (
    make_block,
    make_event,
    make_registration,
    make_room,
    make_session,
    make_speaker,
    make_user,
    seoul,
)


@pytest.fixture
def plan(app):
    """A published event, two rooms (09–18, 50 seats), a scheduled and an unscheduled
    session, an organizer of the event's team with an API token."""
    event = make_event(slug="festa")
    rooms = [make_room(venue=event.venue, opens_at=time(9), closes_at=time(18), capacity=50)
             for _ in range(2)]
    day = event.start_date
    talk = make_session(event, rooms[0], start=seoul(day, 10), minutes=60,
                        title_en="Opening talk")
    waiting = make_session(event, None, scheduled=False, title_en="Workshop to place")
    organizer = make_user(email="organizer@festa.test", role="organizer")  # on the team
    token = create_api_token(organizer)
    db.session.commit()
    return {"event": event, "rooms": rooms, "day": day, "talk": talk, "waiting": waiting,
            "organizer": organizer, "headers": {"Authorization": f"Bearer {token}"}}


def patch(client, plan, session, body, **headers):
    return client.patch(f"/api/v1/events/festa/sessions/{session.id}?lang=en",
                        json=body, headers={**plan["headers"], **headers})


# ---------------------------------------------------------------- the service


def test_move_bumps_the_version_and_audits(plan):
    talk, (_, hall) = plan["talk"], plan["rooms"]
    moved = move_session(talk, {"starts_at": seoul(plan["day"], 14),
                                "ends_at": seoul(plan["day"], 15), "room_id": hall.id},
                         version=0, by=plan["organizer"].id)
    assert moved.session.version == 1 and moved.warnings == []
    assert set(moved.changes) == {"starts_at", "ends_at", "room_id"}
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "session.move"))
    assert entry.user_id == plan["organizer"].id
    assert entry.details["changes"]["room_id"] == [plan["rooms"][0].id, hall.id]


def test_stale_version_is_refused_and_nothing_changes(plan):
    talk = plan["talk"]
    move_session(talk, {"starts_at": seoul(plan["day"], 11), "ends_at": seoul(plan["day"], 12)},
                 version=0)
    with pytest.raises(StaleVersion) as refused:
        move_session(talk, {"starts_at": seoul(plan["day"], 15),
                            "ends_at": seoul(plan["day"], 16)}, version=0)
    assert refused.value.status == 409 and refused.value.current.version == 1
    db.session.expire_all()
    assert talk.starts_at == seoul(plan["day"], 11)


def test_scheduling_and_unscheduling(plan):
    waiting, room = plan["waiting"], plan["rooms"][1]
    move_session(waiting, {"starts_at": seoul(plan["day"], 13), "ends_at": seoul(plan["day"], 14),
                           "room_id": room.id}, version=0)
    assert waiting.scheduled and waiting.room_id == room.id
    move_session(waiting, {"starts_at": None, "ends_at": None}, version=1)
    assert not waiting.scheduled and waiting.room_id is None


def test_a_session_with_seats_cannot_leave_the_schedule(plan):
    talk = plan["talk"]
    talk.reservation_required, talk.capacity, talk.seats_taken = True, 10, 1
    db.session.commit()
    with pytest.raises(FestaError) as refused:
        move_session(talk, {"starts_at": None, "ends_at": None}, version=0)
    assert refused.value.code == "session_has_reservations"


# ---------------------------------------------------------------- the API


def test_patch_moves_and_answers_the_session_with_its_version(client, plan):
    talk, (_, hall) = plan["talk"], plan["rooms"]
    response = patch(client, plan, talk, {"start": f"{plan['day']}T14:00:00+09:00",
                                          "end": f"{plan['day']}T15:30:00+09:00",
                                          "room_id": hall.id, "version": 0})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["version"] == 1 and body["warnings"] == []
    assert body["start"] == f"{plan['day']}T14:00:00+09:00"
    assert body["room"]["id"] == hall.id and response.headers["ETag"] == '"1"'
    listed = client.get("/api/v1/events/festa/sessions").get_json()
    assert [s["version"] for s in listed if s["id"] == talk.id] == [1]


def test_patch_with_a_stale_version_is_409_with_the_current_session(client, plan):
    talk = plan["talk"]
    first = patch(client, plan, talk, {"start": f"{plan['day']}T11:00:00+09:00",
                                       "end": f"{plan['day']}T12:00:00+09:00", "version": 0})
    assert first.status_code == 200
    second = patch(client, plan, talk, {"start": f"{plan['day']}T16:00:00+09:00",
                                        "end": f"{plan['day']}T17:00:00+09:00", "version": 0})
    assert second.status_code == 409
    body = second.get_json()
    assert body["error"]["code"] == "stale_version"
    assert body["session"]["version"] == 1
    assert body["session"]["start"] == f"{plan['day']}T11:00:00+09:00"


def test_patch_with_a_stale_if_match_is_412(client, plan):
    talk = plan["talk"]
    response = patch(client, plan, talk, {"room_id": plan["rooms"][1].id, "version": 0},
                     **{"If-Match": '"5"'})
    assert response.status_code == 412
    assert response.get_json()["error"]["code"] == "stale_version"


def test_patch_warnings_each_code(client, plan):
    event, (room, hall), day = plan["event"], plan["rooms"], plan["day"]
    speaker = make_speaker()
    make_session(event, hall, start=seoul(day, 10), speakers=[speaker])
    mover = make_session(event, hall, start=seoul(day, 16), speakers=[speaker])
    make_block(event, room, start=seoul(day, 12), minutes=60)
    db.session.commit()
    cases = [
        ({"room_id": room.id, "start": f"{day}T10:30:00+09:00", "end": f"{day}T11:30:00+09:00"},
         {"room_double_booked", "speaker_double_booked"}),
        ({"room_id": room.id, "start": f"{day}T12:00:00+09:00", "end": f"{day}T12:30:00+09:00"},
         {"overlaps_break"}),
        ({"start": f"{day}T19:00:00+09:00", "end": f"{day}T20:00:00+09:00"},
         {"outside_room_hours"}),
        ({"start": "2020-01-01T10:00:00+09:00", "end": "2020-01-01T11:00:00+09:00"},
         {"outside_event_dates"}),
    ]
    version = 0
    for body, expected in cases:
        response = patch(client, plan, mover, {**body, "version": version})
        assert response.status_code == 200, response.get_json()
        found = {w["code"] for w in response.get_json()["warnings"]}
        assert expected <= found, (body, found)
        assert all(w["message"] for w in response.get_json()["warnings"])
        version = response.get_json()["version"]


def test_patch_into_a_room_too_small_for_the_seats_is_422(client, plan):
    talk, small = plan["talk"], make_room(venue=plan["event"].venue, capacity=2)
    talk.reservation_required, talk.capacity, talk.seats_taken = True, 10, 3
    db.session.commit()
    response = patch(client, plan, talk, {"room_id": small.id, "version": 0})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "room_too_small" and "3" in error["message"]
    db.session.expire_all()
    assert talk.room_id == plan["rooms"][0].id and talk.version == 0


@pytest.mark.parametrize("body,field", [
    ({"start": "2026-01-01T10:00:00", "end": "2026-01-01T11:00:00+09:00", "version": 0},
     "start"),
    ({"room_id": 999999, "version": 0}, "room_id"),
    ({"room_id": None}, "version"),
])
def test_patch_invalid_values_are_422_with_fields(client, plan, body, field):
    response = patch(client, plan, plan["talk"], body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_patch_needs_an_organizer(client, plan):
    url = f"/api/v1/events/festa/sessions/{plan['talk'].id}"
    assert client.patch(url, json={"version": 0}).status_code == 401
    door = make_user(role="door")
    token = create_api_token(door)
    db.session.commit()
    response = client.patch(url, json={"version": 0},
                            headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403


def test_published_move_is_in_the_changelog_and_mails_seat_holders(client, plan):
    event, talk, day = plan["event"], plan["talk"], plan["day"]
    talk.reservation_required, talk.capacity, talk.seats_taken = True, 10, 2
    make_registration(event, [talk], locale="ko", email="ko@festa.test")
    make_registration(event, [talk], locale="en", email="en@festa.test")
    db.session.commit()
    versions.publish_schedule(event)
    db.session.commit()
    response = patch(client, plan, talk, {"start": f"{day}T15:00:00+09:00",
                                          "end": f"{day}T16:00:00+09:00", "version": 0})
    assert response.status_code == 200
    mails = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.topic == "session_moved")).all()
    assert sorted(m.recipient for m in mails) == ["en@festa.test", "ko@festa.test"]
    assert [c["change"] for c in versions.pending_changes(event)] == ["moved"]
    ics = client.get(f"/api/v1/events/{event.slug}/schedule.ics").get_data(as_text=True)
    assert "SEQUENCE:1" in ics


def test_moved_session_mail_arrives_in_each_attendees_language(client, plan, smtp_server):
    event, talk = plan["event"], plan["talk"]
    talk.reservation_required, talk.capacity, talk.seats_taken = True, 10, 2
    talk.title_ko, talk.title_en = "개막 강연", "Opening talk"
    make_registration(event, [talk], locale="ko", email="ko@festa.test")
    make_registration(event, [talk], locale="en", email="en@festa.test")
    db.session.commit()
    response = patch(client, plan, talk, {"room_id": plan["rooms"][1].id, "version": 0})
    assert response.status_code == 200
    assert outbox.deliver_due() == 2
    by_address = {m["To"].addresses[0].addr_spec: m for m in smtp_server.messages}
    korean = by_address["ko@festa.test"].get_body(("plain",)).get_content()
    english = by_address["en@festa.test"].get_body(("plain",)).get_content()
    assert "개막 강연" in by_address["ko@festa.test"]["Subject"]
    assert plan["rooms"][1].name_ko in korean and "좌석" in korean
    assert "has moved" in english and plan["rooms"][1].name_en in english


def test_after_publishing_the_feeds_and_changelog_show_the_move(client, plan):
    event, talk, day, hall = plan["event"], plan["talk"], plan["day"], plan["rooms"][1]
    versions.publish_schedule(event)
    db.session.commit()
    response = patch(client, plan, talk, {"start": f"{day}T16:00:00+09:00",
                                          "end": f"{day}T17:00:00+09:00", "room_id": hall.id,
                                          "version": 0})
    assert response.status_code == 200
    versions.publish_schedule(event)
    db.session.commit()
    schedule = client.get("/api/v1/events/festa/schedule.json?lang=en").get_json()
    rooms = schedule["schedule"]["conference"]["days"][0]["rooms"]
    (moved,) = [t for talks in rooms.values() for t in talks if t["id"] == talk.id]
    assert moved["start"] == "16:00" and moved["room"] == hall.name_en
    changes = client.get("/events/festa/changes?lang=en").get_data(as_text=True)
    assert "Opening talk" in changes and hall.name_en in changes
    listed = client.get("/api/v1/events/festa/sessions").get_json()
    assert [s["room"]["id"] for s in listed if s["id"] == talk.id] == [hall.id]
    assert "Workshop to place" not in client.get(
        "/events/festa/schedule?lang=en").get_data(as_text=True)


def test_two_organizers_at_once_one_wins_one_is_told(app, plan):
    """Both send version 0 at the same moment: exactly one move is saved, the other gets
    stale_version — never a silent overwrite (the conditional UPDATE decides)."""

    talk_id, day, hall_id = plan["talk"].id, plan["day"], plan["rooms"][1].id
    barrier, results = threading.Barrier(2), []
    db.session.remove()

    def organizer(hour: int) -> None:
        with app.app_context():
            session = db.session.get(Session, talk_id)
            db.session.commit()  # end the read; the move starts its own transaction
            barrier.wait(timeout=30)
            try:
                move_session(session, {"starts_at": seoul(day, hour),
                                       "ends_at": seoul(day, hour + 1), "room_id": hall_id},
                             version=0)
                results.append(("moved", hour))
            except StaleVersion as stale:
                results.append(("stale", stale.current.version))
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                results.append(("error", repr(error)))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=organizer, args=(hour,)) for hour in (14, 16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(kind for kind, _ in results) == ["moved", "stale"], results
    winner = next(hour for kind, hour in results if kind == "moved")
    saved = db.session.get(Session, talk_id)
    assert saved.version == 1 and saved.starts_at == seoul(day, winner)


def test_a_cancelled_session_moves_without_warnings(plan):
    talk, day = plan["talk"], plan["day"]
    talk.cancelled = True
    make_session(plan["event"], plan["rooms"][1], start=seoul(day, 14))
    db.session.commit()
    moved = move_session(talk, {"starts_at": seoul(day, 14), "ends_at": seoul(day, 15),
                                "room_id": plan["rooms"][1].id}, version=0)
    assert moved.warnings == [] and moved.session.room_id == plan["rooms"][1].id


def test_patch_by_another_teams_organizer_is_refused(client, plan):
    outsider = make_user(email="elsewhere@festa.test", role="organizer")
    token = create_api_token(outsider)
    db.session.commit()
    response = client.patch(f"/api/v1/events/festa/sessions/{plan['talk'].id}",
                            json={"room_id": plan["rooms"][1].id, "version": 0},
                            headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (403, 404)
    db.session.expire_all()
    assert plan["talk"].version == 0
