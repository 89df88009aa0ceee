"""Calendars share one VTIMEZONE builder: the ticket's file, the schedule feed and the
attendee's agenda carry the same Asia/Seoul zone, built once per process."""

from __future__ import annotations

from datetime import timedelta

import icalendar
import pytest
import sqlalchemy as sa

from festa.extensions import db
from festa.opendata import calendars
from festa.program import ical
from festa.program.models import Session
from festa.tickets.calendar import ticket_calendar
from festa.tickets.models import Ticket
from tests.factories import make_event, make_session, make_ticket, seoul


@pytest.fixture
def built(monkeypatch):
    """Count how often icalendar works a zone out, starting from an empty cache."""
    calls = []
    original = icalendar.Timezone.from_tzid

    def counting(tzid, *args, **kwargs):
        calls.append(tzid)
        return original(tzid, *args, **kwargs)

    ical._built_vtimezone.cache_clear()
    monkeypatch.setattr(icalendar.Timezone, "from_tzid", staticmethod(counting))
    yield calls
    ical._built_vtimezone.cache_clear()


def _vtimezones(data: bytes) -> list[bytes]:
    return [tz.to_ical() for tz in icalendar.Calendar.from_ical(data).walk("VTIMEZONE")]


def test_calendars_share_the_same_vtimezone(app, built):
    event = make_event()
    workshop = make_session(event, start=seoul(event.start_date, 14), capacity=10,
                            reservation_required=True)
    make_session(event, start=seoul(event.start_date, 10))
    first = make_ticket(event=event, sessions=[workshop])
    second = make_ticket(event=event)
    db.session.commit()
    files = [ticket_calendar(first), ticket_calendar(second), calendars.schedule_ics(event),
             calendars.agenda_ics(first.registration)]
    zones = [_vtimezones(data) for data in files]
    assert len(zones[0]) == 1 and b"TZID:Asia/Seoul" in zones[0][0]
    assert all(z == zones[0] for z in zones)  # byte for byte the same component
    assert built == ["Asia/Seoul"]  # worked out once, then copied


def test_the_cached_zone_cannot_be_changed_through_a_copy(app, built):
    copy = ical.vtimezone("Asia/Seoul")
    copy["TZID"] = "Changed/Zone"
    copy.subcomponents.clear()
    again = ical.vtimezone("Asia/Seoul")
    assert again["TZID"] == "Asia/Seoul" and again.subcomponents
    assert built == ["Asia/Seoul"]


def test_an_all_day_ticket_calendar_still_names_its_zone(app, built):
    ticket = make_ticket(event=make_event())
    db.session.commit()
    cal = icalendar.Calendar.from_ical(ticket_calendar(ticket))
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Asia/Seoul"]
    # VTIMEZONE components come before the events that use them.
    assert [c.name for c in cal.subcomponents][0] == "VTIMEZONE"


def _day_entries(data: bytes) -> list[tuple]:
    return [(e.decoded("DTSTART"), e.decoded("DTEND"))
            for e in icalendar.Calendar.from_ical(data).walk("VEVENT")]


def test_the_ticket_calendar_does_not_load_the_programme(app):
    """Every ticket's mail carries this calendar (rendered by the outbox worker): its day
    entries come from one aggregate query, not from loading every session of the event
    (issue 12: 2,000 sessions made each mail cost a quarter of a second)."""
    event = make_event()
    day_one, day_two = event.start_date, event.end_date
    make_session(event, start=seoul(day_one, 9, 30), minutes=30)
    make_session(event, start=seoul(day_one, 23, 30), minutes=60)  # ends after midnight
    make_session(event, start=seoul(day_one, 8), cancelled=True)  # not on the calendar
    make_session(event, scheduled=False)
    for n in range(40):
        make_session(event, start=seoul(day_one, 10 + n % 12), minutes=30)
    ticket = make_ticket(event=event)
    db.session.commit()
    ticket_id = ticket.id
    db.session.remove()  # nothing preloaded, as in the worker

    loaded = []

    def count(target, _context):
        loaded.append(target)

    sa.event.listen(Session, "load", count)
    try:
        data = ticket_calendar(db.session.get(Ticket, ticket_id))
    finally:
        sa.event.remove(Session, "load", count)
    assert loaded == []
    # The same entries as before: day one from 09:30 to 00:30 the next night, day two
    # without programme all day.
    assert _day_entries(data) == [(seoul(day_one, 9, 30), seoul(day_two, 0, 30)),
                                  (day_two, day_two + timedelta(days=1))]
