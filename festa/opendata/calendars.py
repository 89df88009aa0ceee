"""The programme as iCalendar (RFC 5545): the whole schedule and each attendee's agenda.

The sessions are festa.program.ical's VEVENTs (stable UIDs, the event's time zone,
SEQUENCE, STATUS:CANCELLED for cancelled sessions); this module puts them into feeds.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta

import icalendar
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from festa.core.transactions import transactional
from festa.extensions import db
from festa.i18n import localized
from festa.opendata.feeds import schedule_version
from festa.program import queries
from festa.program.ical import add_timezones, feed_host, session_vevent
from festa.program.models import Event, Session, SessionSpeaker
from festa.registration.models import Bookmark, Registration, RegistrationStatus, Reservation

PRODID = "-//Festa//AI Seoul Festa//EN"
REFRESH = timedelta(hours=1)


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


@transactional
def rotate_agenda_token(registration: Registration) -> str:
    """Revoke the agenda feed URL by giving the registration a new token."""
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
