"""The schedule editor's server side (issue 14): its data, the 초성 search, breaks and
blockers (one room or copied to all), the rooms' "parallel sessions allowed"."""

from __future__ import annotations

import sqlalchemy as sa

from festa.audit.models import AuditEntry
from festa.extensions import db
from festa.program.models import ScheduleBlock, Session
from tests.factories import make_block, make_registration, make_session, seoul


def test_editor_page_and_data(client, auth, programme):
    event, (room, _hall) = programme["event"], programme["rooms"]
    auth.login("organizer")
    placed = make_session(event, room, start=seoul(event.start_date, 10), title_en="Keynote",
                          reservation_required=True, capacity=10)
    make_session(event, None, scheduled=False, title_en="Waiting", track=programme["track"])
    make_registration(event, [placed])
    placed.seats_taken = 1
    event.published = True
    db.session.commit()
    page = client.get(f"/manage/events/{event.id}/schedule/editor?lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'type="module"' in html and "vendor/interact.min.js" in html
    assert "<script>" not in html  # CSP: no inline scripts
    data = client.get(f"/manage/events/{event.id}/schedule/editor/data?lang=en").get_json()
    by_title = {s["title"]: s for s in data["sessions"]}
    assert by_title["Keynote"]["from"] == 600 and by_title["Keynote"]["day"] == str(
        event.start_date)
    assert by_title["Keynote"]["notify"] == 1 and by_title["Keynote"]["version"] == 0
    assert by_title["Waiting"]["day"] is None and by_title["Waiting"]["minutes"] == 30
    assert [r["id"] for r in data["rooms"]] == [r.id for r in programme["rooms"]]
    assert data["days"][0]["offset"] == "+09:00"


def test_search_finds_by_choseong(client, auth, programme):
    event = programme["event"]
    auth.login("organizer")
    wanted = make_session(event, None, scheduled=False, title_ko="기조연설", title_en="Keynote")
    make_session(event, None, scheduled=False, title_ko="패널", title_en="Panel")
    db.session.commit()
    url = f"/manage/events/{event.id}/schedule/editor/search"
    assert client.get(url, query_string={"q": "ㄱㅈㅇㅅ"}).get_json() == {"ids": [wanted.id]}
    assert client.get(url, query_string={"q": "keyn"}).get_json() == {"ids": [wanted.id]}


def test_breaks_copied_to_all_rooms_then_removed(client, auth, programme):
    event, rooms = programme["event"], programme["rooms"]
    auth.login("organizer")
    day = event.start_date
    url = f"/manage/events/{event.id}/schedule/blocks"
    response = client.post(url, json={
        "kind": "break", "title_ko": "점심", "title_en": "Lunch", "all_rooms": True,
        "start": f"{day}T12:00:00+09:00", "end": f"{day}T13:00:00+09:00"})
    assert response.status_code == 201
    blocks = db.session.scalars(sa.select(ScheduleBlock)).all()
    assert sorted(b.room_id for b in blocks) == sorted(r.id for r in rooms)
    assert client.delete(f"{url}/{blocks[0].id}").status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(ScheduleBlock.id))) == 1
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert actions.count("block.create") == 2 and "block.delete" in actions


def test_block_refused_with_fields(client, auth, programme):
    event = programme["event"]
    auth.login("organizer")
    response = client.post(f"/manage/events/{event.id}/schedule/blocks?lang=en", json={
        "kind": "nap", "start": "2026-01-01T13:00:00+09:00", "end": "2026-01-01T12:00:00+09:00",
        "room_id": 999}, headers={"Accept": "application/json"})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"kind", "title_en", "ends_at",
                                                          "room_id"}


def test_room_form_marks_parallel_sessions(client, auth, programme):
    room = programme["rooms"][0]
    auth.login("organizer")
    response = client.post(f"/manage/rooms/{room.id}/edit", data={
        "name_ko": room.name_ko, "name_en": room.name_en, "capacity": "50", "position": "0",
        "opens_at": "09:00", "closes_at": "18:00", "parallel_sessions": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert room.parallel_sessions


def test_public_breaks_show_on_the_schedule_blockers_do_not(client, programme):
    event, (room, hall) = programme["event"], programme["rooms"]
    event.published = True
    make_session(event, room, start=seoul(event.start_date, 10))
    make_block(event, room, start=seoul(event.start_date, 12), minutes=60)
    make_block(event, hall, start=seoul(event.start_date, 12), minutes=60)
    make_block(event, hall, start=seoul(event.start_date, 15), minutes=30, title_en="Coffee",
               title_ko="커피")
    make_block(event, room, start=seoul(event.start_date, 8), kind="blocker",
               title_en="Stage set-up", title_ko="무대 설치")
    db.session.commit()
    html = client.get(f"/events/{event.slug}/schedule?lang=en").get_data(as_text=True)
    assert "12:00–13:00</span> Lunch</li>" in html  # in every room: listed once, no rooms
    assert f"Coffee <span class=\"meta\">({hall.name_en})</span>" in html
    assert "Stage set-up" not in html


def test_a_session_without_times_is_created_unscheduled_and_edited(client, auth, programme):
    event = programme["event"]
    auth.login("organizer")
    response = client.post(f"/manage/events/{event.id}/sessions/new?lang=en", data={
        "title_ko": "미정 세션", "title_en": "Session to place", "abstract_ko": "",
        "abstract_en": "", "kind": "talk", "language": "ko", "starts_at": "", "ends_at": "",
        "room_id": "", "track_id": "", "capacity": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    session = db.session.scalar(sa.select(Session).where(Session.title_en == "Session to place"))
    assert not session.scheduled
    assert client.get(response.headers["Location"]).status_code == 200
    page = client.get(f"/manage/events/{event.id}/?lang=en").get_data(as_text=True)
    assert "Not scheduled" in page
    half = client.post(f"/manage/sessions/{session.id}/edit?lang=en", data={
        "title_ko": "미정 세션", "title_en": "Session to place", "abstract_ko": "",
        "abstract_en": "", "kind": "talk", "language": "ko",
        "starts_at": f"{event.start_date}T10:00", "ends_at": "", "room_id": "",
        "track_id": "", "capacity": ""})
    assert half.status_code == 422
    assert "Enter both times" in half.get_data(as_text=True)
