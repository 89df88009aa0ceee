"""What a ticket shows, in the current language: shared by the ticket page and the mail."""

from __future__ import annotations

from festa.i18n import localized
from festa.tickets.dates import day_range, session_day, time_range
from festa.tickets.models import Ticket


def session_line(session) -> dict:
    """A reserved session as tickets and mail list it: title, day, time range, room."""
    zone = session.event.timezone
    return {
        "title": localized(session, "title"),
        "day": session_day(session.starts_at, zone),
        "time": time_range(session.starts_at, session.ends_at, zone),
        "room": localized(session.room, "name") if session.room else "",
        "starts_at": session.starts_at,
    }


def event_facts(event) -> dict:
    venue = event.venue
    return {
        "event_name": localized(event, "name"),
        "event_dates": day_range(event.start_date, event.end_date),
        "venue": localized(venue, "name") if venue else "",
        "venue_address": localized(venue, "address") if venue else "",
    }


def ticket_view(ticket: Ticket) -> dict:
    """The ticket page's facts: attendee, event, dates, venue, reserved sessions."""
    registration = ticket.registration
    return {
        **event_facts(ticket.event),
        "attendee": registration.name,
        "organization": registration.organization,
        "number": f"{ticket.event_id:03d}-{ticket.id:06d}",
        "sessions": [session_line(s) for s in registration.confirmed_sessions()],
    }
