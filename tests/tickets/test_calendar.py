"""Calendars share one VTIMEZONE builder: the ticket's file, the schedule feed and the
attendee's agenda carry the same Asia/Seoul zone, built once per process."""

from __future__ import annotations

import icalendar
import pytest

from festa.extensions import db
from festa.opendata import calendars
from festa.program import ical
from festa.tickets.calendar import ticket_calendar
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
