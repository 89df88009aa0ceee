"""Programme rules as plain functions: registration state, dates, now / next."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask_babel import force_locale

from festa.program import presentation as shown
from festa.program import queries
from tests.factories import make_event, make_session, seoul


def test_registration_state_through_the_event_life(app):
    event = make_event(start_date=date(2027, 3, 11), end_date=date(2027, 3, 13),
                       registration_opens_at=datetime(2027, 1, 1, tzinfo=UTC),
                       registration_closes_at=seoul(date(2027, 3, 10), 18))
    assert shown.registration_state(event, datetime(2026, 12, 1, tzinfo=UTC)) == "not_yet"
    assert shown.registration_state(event, datetime(2027, 2, 1, tzinfo=UTC)) == "open"
    assert shown.registration_state(event, seoul(date(2027, 3, 12), 9)) == "closed"
    assert shown.registration_state(event, seoul(date(2027, 3, 14), 0, 1)) == "ended"
    event.published = False
    assert shown.registration_state(event, datetime(2027, 2, 1, tzinfo=UTC)) != "open"


def test_dates_in_korean_and_english(app):
    with app.test_request_context(), force_locale("ko"):
        assert shown.date_range(date(2025, 2, 11), date(2025, 2, 11)) == "2025년 2월 11일"
        assert shown.date_range(date(2027, 3, 11), date(2027, 3, 13)) == "2027년 3월 11일~13일"
        assert shown.short_day(date(2027, 3, 11)) == "3월 11일 (목)"
    with app.test_request_context(), force_locale("en"):
        assert shown.date_range(date(2025, 2, 11), date(2025, 2, 11)) == "February 11, 2025"
        assert shown.short_day(date(2027, 3, 11)) == "Thu 11 Mar"


def test_now_and_next_ignore_cancelled_sessions(app):
    event = make_event()
    day = event.start_date
    running = make_session(event, start=seoul(day, 10), minutes=60)
    make_session(event, start=seoul(day, 11), minutes=30, cancelled=True)
    nexts = [make_session(event, start=seoul(day, 11, 30)) for _ in range(2)]
    now, upcoming = shown.now_and_next(event.sessions, seoul(day, 10, 30))
    assert now == [running] and set(upcoming) == set(nexts)
    assert shown.now_and_next(event.sessions, seoul(day, 23)) == ([], [])


def test_split_by_date_puts_past_events_last_latest_first(app):
    today = date(2026, 11, 25)
    old, older = (make_event(start_date=today - timedelta(days=d)) for d in (30, 400))
    soon, later = (make_event(start_date=today + timedelta(days=d)) for d in (3, 90))
    running = make_event(start_date=today - timedelta(days=1))  # ends today
    assert queries.split_by_date([later, older, soon, old, running], today) == (
        [running, soon, later], [old, older])


def test_clock_can_be_fixed(app):
    fixed = datetime(2027, 3, 11, 5, tzinfo=UTC)
    app.config["FESTA_NOW"] = fixed
    assert queries.clock() == fixed
    app.config["FESTA_NOW"] = lambda: fixed + timedelta(hours=1)
    assert queries.clock() == fixed + timedelta(hours=1)
