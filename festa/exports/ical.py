"""The programme as iCalendar (RFC 5545): the whole schedule and each attendee's agenda.

UIDs are stable (`session-<id>@<host>`), times carry TZID=Asia/Seoul with its VTIMEZONE,
SEQUENCE is the session's change counter (so calendar apps replace their copy) and
cancelled sessions stay in the feed with STATUS:CANCELLED, which removes them from
subscribers' calendars instead of leaving a stale entry behind.
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Iterable
from datetime import timedelta
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from festa.exports.feeds import room_name, schedule_version, session_url
from festa.extensions import db
from festa.i18n import localized, speaker_name
from festa.program.models import Event, Session, SessionSpeaker
from festa.registration.models import Bookmark, Registration, RegistrationStatus, Reservation

PRODID = "-//Festa//AI Seoul Festa//EN"
REFRESH = timedelta(hours=1)


def feed_host() -> str:
    return urlsplit(current_app.config["FESTA_BASE_URL"]).hostname or "festa"


@lru_cache(maxsize=16)
def _built_vtimezone(tzid: str) -> icalendar.Timezone:
    return icalendar.Timezone.from_tzid(tzid)


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


def session_uid(session: Session) -> str:
    return f"session-{session.id}@{feed_host()}"


def location(session: Session) -> str:
    parts = [room_name(session.room)] if session.room else []
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
        start=session.starts_at.astimezone(zone),
        end=session.ends_at.astimezone(zone),
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


def calendar(event: Event, sessions: Iterable[Session], name: str, uid: str,
             tentative: frozenset[int] = frozenset()) -> bytes:
    """A VCALENDAR with the sessions (those in `tentative` marked so) and their VTIMEZONE."""
    cal = icalendar.Calendar.new(
        prodid=PRODID,
        name=name,
        method="PUBLISH",
        uid=uid,
        refresh_interval=REFRESH,
        url=session_url_base(event),
    )
    cal.add("X-WR-TIMEZONE", event.timezone)
    cal.add("X-PUBLISHED-TTL", icalendar.vDuration(REFRESH))
    cal.add("X-FESTA-SCHEDULE-VERSION", schedule_version(event))
    for session in sessions:
        vevent = session_vevent(session)
        if session.id in tentative and not session.cancelled:
            vevent.status = "TENTATIVE"  # on the waitlist: not sure of a seat yet
        cal.add_component(vevent)
    add_timezones(cal, event.timezone)
    return cal.to_ical()


def session_url_base(event: Event) -> str:
    return f"{current_app.config['FESTA_BASE_URL']}/events/{event.slug}/"


def schedule_ics(event: Event) -> bytes:
    """The whole schedule of a published event, cancelled sessions included (as CANCELLED)."""
    from festa.program import queries

    return calendar(event, queries.schedule_sessions(event), localized(event, "name"),
                    uid=f"schedule-{event.slug}@{feed_host()}")


def agenda_sessions(registration: Registration) -> list[Session]:
    """The sessions on an attendee's agenda: reserved (confirmed or waitlisted) and bookmarked."""
    reserved = sa.select(Reservation.session_id).where(
        Reservation.registration_id == registration.id,
        Reservation.status != RegistrationStatus.CANCELLED,
    )
    bookmarked = sa.select(Bookmark.session_id).where(
        Bookmark.registration_id == registration.id
    )
    query = (
        sa.select(Session)
        .where(Session.event_id == registration.event_id, Session.scheduled,
               sa.or_(Session.id.in_(reserved), Session.id.in_(bookmarked)))
        .options(selectinload(Session.room), selectinload(Session.track),
                 selectinload(Session.speaker_roles).selectinload(SessionSpeaker.speaker))
        .order_by(Session.starts_at, Session.id)
    )
    return list(db.session.scalars(query))


def agenda_url(registration: Registration, webcal: bool = False) -> str:
    """The attendee's private agenda feed (absolute; `webcal://` for one-click subscribe)."""
    url = f"{current_app.config['FESTA_BASE_URL']}/agenda/{registration.agenda_token}.ics"
    return "webcal://" + url.split("://", 1)[1] if webcal else url


def new_agenda_token() -> str:
    return secrets.token_urlsafe(24)


def rotate_agenda_token(registration: Registration) -> str:
    """Revoke the agenda feed URL by giving the registration a new token. Caller commits."""
    registration.agenda_token = new_agenda_token()
    return registration.agenda_token


def agenda_ics(registration: Registration) -> bytes:
    """The attendee's agenda; sessions they wait for a seat in are TENTATIVE."""
    event = registration.event
    name = f"{localized(event, 'name')} · {registration.name}"
    waiting = frozenset(r.session_id for r in registration.reservations
                        if r.status == RegistrationStatus.WAITLISTED)
    return calendar(event, agenda_sessions(registration), name,
                    uid=f"agenda-{registration.id}@{feed_host()}", tentative=waiting)
