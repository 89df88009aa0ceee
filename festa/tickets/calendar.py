"""A ticket holder's calendar file: the event and the sessions they reserved (iCalendar)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from flask import current_app

from festa.dbtypes import utcnow
from festa.i18n import localized
from festa.program.models import Event, Session
from festa.tickets.models import Ticket
from festa.tickets.services import reserved_sessions, ticket_links

PRODID = "-//Festa//AI Seoul Festa tickets//KO"


def _uid(ticket: Ticket, kind: str, ident: int) -> str:
    """Per ticket, so these copies never replace the entries of a subscribed schedule feed."""
    host = current_app.config["FESTA_BASE_URL"].split("://", 1)[-1].split("/", 1)[0]
    return f"festa-ticket-{ticket.id}-{kind}-{ident}@{host.split(':', 1)[0]}"


def _place(event: Event, session: Session | None = None) -> str:
    parts = []
    if session is not None and session.room is not None:
        parts.append(localized(session.room, "name"))
    if event.venue is not None:
        parts.append(localized(event.venue, "name"))
        if localized(event.venue, "address"):
            parts.append(localized(event.venue, "address"))
    return ", ".join(parts)


def _event_component(ticket: Ticket, sessions: list[Session], url: str) -> icalendar.Event:
    event = ticket.event
    zone = ZoneInfo(event.timezone)
    item = icalendar.Event()
    item.add("uid", _uid(ticket, "event", event.id))
    item.add("summary", localized(event, "name"))
    programme = [s for s in event.sessions if not s.cancelled] or sessions
    if programme:
        item.add("dtstart", min(s.starts_at for s in programme).astimezone(zone))
        item.add("dtend", max(s.ends_at for s in programme).astimezone(zone))
    else:  # no programme yet: the event's days
        item.add("dtstart", event.start_date)
        item.add("dtend", event.end_date + timedelta(days=1))
    item.add("location", _place(event))
    item.add("url", url)
    item.add("description", url)
    return item


def _session_component(ticket: Ticket, session: Session, url: str) -> icalendar.Event:
    zone = ZoneInfo(session.event.timezone)
    item = icalendar.Event()
    item.add("uid", _uid(ticket, "session", session.id))
    item.add("summary", localized(session, "title"))
    item.add("dtstart", session.starts_at.astimezone(zone))
    item.add("dtend", session.ends_at.astimezone(zone))
    item.add("location", _place(session.event, session))
    item.add("sequence", session.sequence)
    item.add("url", url)
    return item


def ticket_calendar(ticket: Ticket, now: datetime | None = None) -> bytes:
    """The event and the ticket's reserved sessions, times in the event's zone with its
    VTIMEZONE (Asia/Seoul), so calendar apps anywhere show the right hour."""
    event = ticket.event
    url = ticket_links(ticket)["url"]
    sessions = reserved_sessions(ticket.registration)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", localized(event, "name"))
    stamp = now or utcnow()
    for component in [_event_component(ticket, sessions, url)] + [
        _session_component(ticket, s, url) for s in sessions
    ]:
        component.add("dtstamp", stamp)
        cal.add_component(component)
    cal.add_missing_timezones()
    if not cal.timezones:  # an all-day event still names its zone for clients that ask
        cal.add_component(icalendar.Timezone.from_tzid(event.timezone))
    return cal.to_ical()
