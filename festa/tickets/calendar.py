"""A ticket holder's calendar file: the event's days and the sessions they reserved (iCalendar).

Sessions are the same VEVENTs as the schedule feed (festa.program.ical), so a calendar
app that has both recognises them; the event gets an entry per festival day and ticket.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

from festa.dbtypes import utcnow
from festa.i18n import localized
from festa.program.ical import add_timezones, calendar_time, feed_host, session_vevent
from festa.program.models import Event
from festa.program.queries import daily_hours
from festa.tickets.models import Ticket
from festa.tickets.services import ticket_links

PRODID = "-//Festa//AI Seoul Festa tickets//EN"


def venue_text(event: Event) -> str:
    venue = event.venue
    if venue is None:
        return ""
    return ", ".join(p for p in (localized(venue, "name"), localized(venue, "address")) if p)


def day_vevents(ticket: Ticket, stamp: datetime,
                programme_version: int | None = None) -> list[icalendar.Event]:
    """One entry per festival day: from the day's first to its last session, or the whole
    day when it has no programme — not one entry spanning the nights in between."""
    event = ticket.event
    zone = ZoneInfo(event.timezone)
    # Not the sessions themselves: a mail per ticket renders this.
    hours = daily_hours(event, programme_version)
    url = ticket_links(ticket)["url"]
    entries = []
    day = event.start_date
    while day <= event.end_date:
        if day in hours:
            start: date | datetime = calendar_time(hours[day][0], zone)
            end: date | datetime = calendar_time(hours[day][1], zone)
        else:
            start, end = day, day + timedelta(days=1)
        entries.append(icalendar.Event.new(
            uid=f"ticket-{ticket.id}-{day.isoformat()}@{feed_host()}",
            summary=localized(event, "name"),
            start=start,
            end=end,
            stamp=stamp,
            location=venue_text(event) or None,
            description=url,
            url=url,
        ))
        day += timedelta(days=1)
    return entries


def ticket_calendar(ticket: Ticket, now: datetime | None = None,
                    programme_version: int | None = None) -> bytes:
    """The event and the ticket's reserved sessions, times in the event's zone with its
    VTIMEZONE (Asia/Seoul), so calendar apps anywhere show the right hour. The event's
    programme version, when the caller read it, lets the festival days' hours come from
    the render cache (festa.program.queries.daily_hours)."""
    event = ticket.event
    # The calendar's own UID stays the same on every download (icalendar makes a new one).
    cal = icalendar.Calendar.new(prodid=PRODID, name=localized(event, "name"), method="PUBLISH",
                                 uid=f"ticket-calendar-{ticket.id}@{feed_host()}")
    for entry in day_vevents(ticket, now or utcnow(), programme_version):
        cal.add_component(entry)
    for session in ticket.registration.confirmed_sessions():
        cal.add_component(session_vevent(session))
    add_timezones(cal, event.timezone)  # named even for an all-day event, for clients that ask
    return cal.to_ical()
