"""Sessions as iCalendar (RFC 5545) components: the building blocks of every Festa calendar.

The schedule feed and the attendee's agenda (festa.opendata.calendars) and the ticket's
calendar (festa.tickets.calendar) all use these, so a session has the same UID, times and
text wherever it appears. UIDs are stable (`session-<id>@<host>`), times carry the event's
TZID with its VTIMEZONE, SEQUENCE is the session's change counter (so calendar apps replace
their copy) and cancelled sessions stay with STATUS:CANCELLED, which removes them from
subscribers' calendars instead of leaving a stale entry behind.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
from flask import current_app

from festa.i18n import localized, speaker_name
from festa.program.models import Session
from festa.program.queries import session_url


def feed_host() -> str:
    return urlsplit(current_app.config["FESTA_BASE_URL"]).hostname or "festa"


@lru_cache(maxsize=16)
def _built_vtimezone(tzid: str) -> icalendar.Timezone:
    zone = icalendar.Timezone.from_tzid(tzid)
    # icalendar lists every transition in one comma-separated RDATE; ical.js and vobject
    # read only the first of them (the wrong hour in zones with daylight saving), so each
    # transition gets an RDATE line of its own, which every parser reads.
    for observance in zone.subcomponents:
        rdates = observance.get("RDATE")
        if rdates is None:
            continue
        moments = [d.dt for rdate in (rdates if isinstance(rdates, list) else [rdates])
                   for d in rdate.dts]
        del observance["RDATE"]
        for moment in moments:
            observance.add("RDATE", moment)
    return zone


def vtimezone(tzid: str) -> icalendar.Timezone:
    """The zone's VTIMEZONE. icalendar works it out from the zone's transitions, tens of
    milliseconds each time, so it is built once per zone and process; callers get a copy
    they may change or add to a calendar without touching the cached one."""
    return copy.deepcopy(_built_vtimezone(tzid))


def add_timezones(cal: icalendar.Calendar, *tzids: str) -> None:
    """Give the calendar the VTIMEZONE of every zone its times use (and of `tzids`),
    before its other components; the one way Festa's calendars get their zones."""
    wanted = (cal.get_missing_tzids() | set(tzids)) - {tz.tz_name for tz in cal.timezones}
    position = len(cal.timezones)
    for tzid in sorted(wanted):
        try:
            component = vtimezone(tzid)
        except ValueError:  # a zone icalendar does not know: clients fall back to TZID
            continue
        cal.subcomponents.insert(position, component)
        position += 1


def calendar_time(moment: datetime, zone: ZoneInfo) -> datetime:
    """The moment as a calendar writes it: the zone's wall-clock time (with its TZID), or
    UTC when that wall-clock time happens twice (the hour repeated when daylight saving
    ends). RFC 5545 reads a repeated local time as its first occurrence and ical.js as its
    second; a UTC time every client reads the same."""
    local = moment.astimezone(zone)
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        return moment.astimezone(UTC)
    return local


def session_uid(session: Session) -> str:
    return f"session-{session.id}@{feed_host()}"


def location(session: Session) -> str:
    parts = [localized(session.room, "name")] if session.room else []
    venue = session.event.venue
    if venue:
        parts.append(localized(venue, "name"))
        if localized(venue, "address"):
            parts.append(localized(venue, "address"))
    return ", ".join(parts)


def description(session: Session) -> str:
    speakers = ", ".join(speaker_name(role.speaker) for role in session.speaker_roles)
    parts = [speakers, localized(session, "abstract"), session_url(session)]
    return "\n\n".join(part for part in parts if part)


def session_vevent(session: Session) -> icalendar.Event:
    """One session as a VEVENT in the event's time zone (needs `add_timezones`)."""
    zone = ZoneInfo(session.event.timezone)
    vevent = icalendar.Event.new(
        uid=session_uid(session),
        summary=localized(session, "title"),
        start=calendar_time(session.starts_at, zone),
        end=calendar_time(session.ends_at, zone),
        stamp=session.updated_at,
        last_modified=session.updated_at,
        sequence=session.sequence,
        status="CANCELLED" if session.cancelled else "CONFIRMED",
        location=location(session) or None,
        description=description(session),
        url=session_url(session),
        categories=[localized(session.track, "name")] if session.track else (),
    )
    return vevent
