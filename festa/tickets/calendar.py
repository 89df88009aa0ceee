"""A ticket holder's calendar file: the event and the sessions they reserved (iCalendar).

Sessions are the same VEVENTs as the schedule feed (festa.program.ical), so a calendar
app that has both recognises them; the event itself gets an entry per ticket.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

from festa.dbtypes import utcnow
from festa.i18n import localized
from festa.program.ical import add_timezones, feed_host, session_vevent
from festa.program.models import Event
from festa.tickets.models import Ticket
from festa.tickets.services import ticket_links

PRODID = "-//Festa//AI Seoul Festa tickets//EN"


def venue_text(event: Event) -> str:
    venue = event.venue
    if venue is None:
        return ""
    return ", ".join(p for p in (localized(venue, "name"), localized(venue, "address")) if p)


def event_vevent(ticket: Ticket, stamp: datetime) -> icalendar.Event:
    """The event from its first to its last session (its days when there is no programme)."""
    event = ticket.event
    zone = ZoneInfo(event.timezone)
    programme = [s for s in event.sessions if not s.cancelled and s.scheduled]
    if programme:
        start = min(s.starts_at for s in programme).astimezone(zone)
        end = max(s.ends_at for s in programme).astimezone(zone)
    else:
        start, end = event.start_date, event.end_date + timedelta(days=1)
    url = ticket_links(ticket)["url"]
    return icalendar.Event.new(
        uid=f"ticket-{ticket.id}@{feed_host()}",
        summary=localized(event, "name"),
        start=start,
        end=end,
        stamp=stamp,
        location=venue_text(event) or None,
        description=url,
        url=url,
    )


def ticket_calendar(ticket: Ticket, now: datetime | None = None) -> bytes:
    """The event and the ticket's reserved sessions, times in the event's zone with its
    VTIMEZONE (Asia/Seoul), so calendar apps anywhere show the right hour."""
    event = ticket.event
    cal = icalendar.Calendar.new(prodid=PRODID, name=localized(event, "name"), method="PUBLISH")
    cal.add_component(event_vevent(ticket, now or utcnow()))
    for session in ticket.registration.confirmed_sessions():
        cal.add_component(session_vevent(session))
    add_timezones(cal, event.timezone)  # named even for an all-day event, for clients that ask
    return cal.to_ical()
