"""Conflict detection: each kind found, and nothing reported where there is no conflict."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from flask_babel import force_locale

from festa.extensions import db
from festa.program import conflicts
from festa.program.conflicts import (
    OUTSIDE_EVENT_DATES,
    OUTSIDE_ROOM_HOURS,
    OVERLAPS_BREAK,
    ROOM_DOUBLE_BOOKED,
    ROOM_TOO_SMALL,
    SPEAKER_DOUBLE_BOOKED,
)
from tests.factories import (
    make_block,
    make_event,
    make_room,
    make_session,
    make_speaker,
    seoul,
)


def codes(event) -> list[str]:
    return [c.code for c in conflicts.event_conflicts(event)]


@pytest.fixture
def setup(programme):
    return programme["event"], programme["rooms"], programme["speakers"]


def test_room_double_booked(setup):
    event, (room, _), _ = setup
    day = event.start_date
    a = make_session(event, room, start=seoul(day, 10), minutes=60)
    b = make_session(event, room, start=seoul(day, 10, 30), minutes=60)
    db.session.commit()
    found = conflicts.event_conflicts(event)
    assert [c.code for c in found] == [ROOM_DOUBLE_BOOKED]
    assert {found[0].session.id, found[0].other.id} == {a.id, b.id}
    assert a.title_ko in found[0].message and b.title_ko in found[0].message


def test_touching_sessions_and_other_rooms_do_not_conflict(setup):
    event, (room, other_room), (speaker, _) = setup
    day = event.start_date
    make_session(event, room, start=seoul(day, 10), minutes=60, speakers=[speaker])
    make_session(event, room, start=seoul(day, 11), minutes=60, speakers=[speaker])
    make_session(event, other_room, start=seoul(day, 10), minutes=60)
    db.session.commit()
    assert codes(event) == []


def test_cancelled_sessions_do_not_conflict(setup):
    event, (room, _), _ = setup
    make_session(event, room, start=seoul(event.start_date, 10))
    make_session(event, room, start=seoul(event.start_date, 10), cancelled=True)
    db.session.commit()
    assert codes(event) == []


def test_speaker_double_booked_in_two_rooms(setup):
    event, (room, other_room), (speaker, other_speaker) = setup
    day = event.start_date
    make_session(event, room, start=seoul(day, 14), speakers=[speaker, other_speaker])
    make_session(event, other_room, start=seoul(day, 14, 59), speakers=[speaker])
    db.session.commit()
    found = conflicts.event_conflicts(event)
    assert [c.code for c in found] == [SPEAKER_DOUBLE_BOOKED]
    assert found[0].speaker.id == speaker.id


def test_speaker_double_booked_across_events(setup):
    event, (room, _), (speaker, _) = setup
    other_event = make_event(start_date=event.start_date, slug="other-conference")
    elsewhere = make_session(other_event, start=seoul(event.start_date, 10, 30),
                             speakers=[speaker])
    mine = make_session(event, room, start=seoul(event.start_date, 10), speakers=[speaker])
    db.session.commit()
    found = conflicts.event_conflicts(event)
    assert [(c.code, c.session.id, c.other.id) for c in found] == [
        (SPEAKER_DOUBLE_BOOKED, mine.id, elsewhere.id)
    ]
    assert other_event.name_ko in found[0].message
    # The other event sees the same conflict from its side.
    assert codes(other_event) == [SPEAKER_DOUBLE_BOOKED]


def test_session_outside_the_event_dates(setup):
    event, (room, _), _ = setup
    make_session(event, room, start=seoul(event.start_date - timedelta(days=1), 10))
    make_session(event, room, start=seoul(event.end_date + timedelta(days=1), 10))
    make_session(event, room, start=seoul(event.end_date, 17))  # inside: last day
    db.session.commit()
    assert codes(event) == [OUTSIDE_EVENT_DATES, OUTSIDE_EVENT_DATES]


def test_session_outside_the_room_hours(setup):
    event, (room, other_room), _ = setup  # both open 09:00–18:00
    day = event.start_date
    early = make_session(event, room, start=seoul(day, 8, 30), minutes=60)
    make_session(event, room, start=seoul(day, 9, 30), minutes=30)  # inside
    late = make_session(event, room, start=seoul(day, 17, 30), minutes=60)
    make_session(event, other_room, start=seoul(day, 17), minutes=60)  # ends at closing
    db.session.commit()
    found = conflicts.event_conflicts(event)
    assert [(c.code, c.session.id) for c in found] == [
        (OUTSIDE_ROOM_HOURS, early.id), (OUTSIDE_ROOM_HOURS, late.id)
    ]


def test_session_longer_than_the_room_day(setup, app):
    event, (room, _), _ = setup
    make_session(event, room, start=seoul(event.start_date, 9), minutes=60 * 26)
    db.session.commit()
    with force_locale("en"):
        found = conflicts.event_conflicts(event)
        assert OUTSIDE_ROOM_HOURS in [c.code for c in found]
        message = next(c.message for c in found if c.code == OUTSIDE_ROOM_HOURS)
        assert "longer than the room's day" in message


def test_rooms_without_hours_accept_any_time(app):
    event = make_event()
    room = make_room(venue=event.venue)
    make_session(event, room, start=seoul(event.start_date, 6), minutes=60 * 17)
    db.session.commit()
    assert codes(event) == []


def test_messages_in_both_languages(setup, app):
    event, (room, _), _ = setup
    make_session(event, room, start=seoul(event.start_date, 10), title_ko="가", title_en="A")
    make_session(event, room, start=seoul(event.start_date, 10), title_ko="나", title_en="B")
    db.session.commit()
    with force_locale("en"):
        english = conflicts.event_conflicts(event)[0].message
    with force_locale("ko"):
        korean = conflicts.event_conflicts(event)[0].message
    assert "booked twice" in english and "“A”" in english
    assert "중복" in korean and "“가”" in korean


def test_draft_conflicts_check_values_before_saving(setup):
    event, (room, _), _ = setup
    existing = make_session(event, room, start=seoul(event.start_date, 10))
    db.session.commit()
    draft = conflicts.Draft(id=0, event=event, title_ko="새 세션", title_en="New",
                            starts_at=seoul(event.start_date, 10, 30),
                            ends_at=seoul(event.start_date, 11, 30), room=room)
    found = conflicts.draft_conflicts(event, draft)
    assert [(c.code, {c.session.id, c.other.id}) for c in found] == [
        (ROOM_DOUBLE_BOOKED, {0, existing.id})
    ]
    # Moving the existing session itself onto its own old slot is no conflict.
    moved = conflicts.Draft(id=existing.id, event=event, title_ko="", title_en="",
                            starts_at=seoul(event.start_date, 10, 30),
                            ends_at=seoul(event.start_date, 11, 30), room=room)
    assert conflicts.draft_conflicts(event, moved) == []


@pytest.mark.parametrize("sessions", [10, 60])
def test_conflicts_load_in_a_constant_number_of_queries(app, count_queries, sessions):
    event = make_event()
    room = make_room(venue=event.venue, opens_at=time(8))
    speaker = make_speaker()
    for i in range(sessions):
        make_session(event, room, start=seoul(event.start_date, 8) + timedelta(minutes=i * 5),
                     minutes=30, speakers=[speaker])
    db.session.commit()
    db.session.expire_all()
    with count_queries() as counter:
        found = conflicts.event_conflicts(event)
        [c.message for c in found]
    assert found
    assert counter.count <= 8, counter.statements


# ---------------------------------------------------------------- editor rules (issue 14)


def test_parallel_room_skips_double_booking(setup):
    event, (room, _), _ = setup
    room.parallel_sessions = True
    make_session(event, room, start=seoul(event.start_date, 10))
    make_session(event, room, start=seoul(event.start_date, 10, 30))
    db.session.commit()
    assert codes(event) == []


def test_session_over_a_break_or_blocker(setup):
    event, (room, other_room), _ = setup
    make_block(event, room, start=seoul(event.start_date, 12), minutes=60)
    make_block(event, other_room, start=seoul(event.start_date, 9), minutes=60,
               kind="blocker", title_ko="설치", title_en="Set-up")
    over = make_session(event, room, start=seoul(event.start_date, 12, 30), minutes=30)
    make_session(event, room, start=seoul(event.start_date, 13))  # touching: fine
    make_session(event, other_room, start=seoul(event.start_date, 9, 30))
    db.session.commit()
    with force_locale("en"):
        found = conflicts.event_conflicts(event)
        assert [c.code for c in found] == [OVERLAPS_BREAK, OVERLAPS_BREAK]
        assert "blocked time “Set-up”" in found[0].message
        assert found[1].session.id == over.id and "break “Lunch”" in found[1].message
    assert not any(c.hard for c in found)


def test_room_too_small_for_confirmed_seats_is_hard(setup):
    event, (room, _), _ = setup
    room.capacity = 10
    session = make_session(event, room, reservation_required=True, capacity=30)
    session.seats_taken = 12
    db.session.commit()
    found = conflicts.event_conflicts(event)
    assert [c.code for c in found] == [ROOM_TOO_SMALL]
    assert found[0].hard
    with force_locale("ko"):
        assert "10" in found[0].message and "12" in found[0].message


def test_unscheduled_sessions_have_no_conflicts(setup):
    event, (room, _), (speaker, _) = setup
    make_session(event, room, speakers=[speaker])
    make_session(event, room, speakers=[speaker], scheduled=False)
    db.session.commit()
    assert codes(event) == []
