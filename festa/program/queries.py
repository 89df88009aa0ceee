"""Reading the programme: the few queries every page and feed is built from.

Each loads what a page needs in a constant number of SQL statements (selectinload),
however many sessions an event has.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import abort, current_app, has_app_context
from sqlalchemy.orm import selectinload

from festa.auth.models import User
from festa.auth.teams import event_scope
from festa.core.cache import render_cache
from festa.dbtypes import utcnow
from festa.extensions import db
from festa.i18n import language_codes, localized, speaker_name
from festa.program.models import BlockKind, Event, ScheduleBlock, Session, SessionSpeaker, Speaker


def clock() -> datetime:
    """The current time, or `FESTA_NOW` (a datetime or a callable) when a test or a demo
    fixes it: pages, the API and the "now / next" marker all read the time from here."""
    fixed = current_app.config.get("FESTA_NOW") if has_app_context() else None
    if callable(fixed):
        return fixed()
    return fixed or utcnow()


def published_events() -> list[Event]:
    """Published events: current and upcoming ones soonest first, then past ones."""
    events = db.session.scalars(
        sa.select(Event).where(Event.published.is_(True)).order_by(Event.start_date)
    ).all()
    upcoming, past = split_by_date(events, clock().astimezone(ZoneInfo("Asia/Seoul")).date())
    return upcoming + past


def split_by_date(events: list[Event], today: date) -> tuple[list[Event], list[Event]]:
    """Current and upcoming events (soonest first), and past ones (latest first)."""
    upcoming = sorted((e for e in events if e.end_date >= today), key=lambda e: e.start_date)
    past = sorted((e for e in events if e.end_date < today), key=lambda e: e.start_date,
                  reverse=True)
    return upcoming, past


def published_event(slug: str | sa.BindParameter[str]) -> sa.Select:
    """SELECT the published event with this slug (a caller may add columns to read with it)."""
    return sa.select(Event).where(Event.slug == slug, Event.published.is_(True))


def published_event_or_404(slug: str) -> Event:
    event = db.session.scalar(published_event(slug))
    if event is None:
        abort(404)
    return event


class EventDates(Protocol):
    """An event's days and zone: an Event, or what the schedule page reads before it."""

    @property
    def start_date(self) -> date: ...
    @property
    def end_date(self) -> date: ...
    @property
    def timezone(self) -> str: ...


def event_bounds(event: EventDates) -> tuple[datetime, datetime]:
    """The event's first and last instant, in its own time zone."""
    zone = ZoneInfo(event.timezone)
    start = datetime.combine(event.start_date, time.min, zone)
    end = datetime.combine(event.end_date, time.max.replace(microsecond=0), zone)
    return start, end


def registration_open(event: Event, now: datetime | None = None) -> bool:
    """Open while published, inside the registration window and before the event ends."""
    now = now or clock()
    if not event.published:
        return False
    if event.registration_opens_at and now < event.registration_opens_at:
        return False
    if event.registration_closes_at and now >= event.registration_closes_at:
        return False
    return now <= event_bounds(event)[1]


def daily_hours(event: Event, programme_version: int | None = None,
                ) -> dict[date, tuple[datetime, datetime]]:
    """Each festival day with a programme: its first session's start and its last one's end
    (sessions starting that day in the event's zone; cancelled ones left out). One
    aggregate query, so a ticket's calendar costs the same whatever the programme's size.

    Given the event's programme version (read before, in the same transaction), from the
    render cache: one query per programme change, not one per ticket's calendar (each
    confirmation mail has one), which spares PostgreSQL reading every session each time."""
    if programme_version is None:
        return _daily_hours(event)
    cached = render_cache().get_or_render(f"daily-hours:{event.id}-{programme_version}",
                                          lambda: _hours_json(_daily_hours(event)))
    return {date.fromisoformat(day): (datetime.fromisoformat(first), datetime.fromisoformat(last))
            for day, first, last in json.loads(cached)}


def _hours_json(hours: dict[date, tuple[datetime, datetime]]) -> bytes:
    return json.dumps([[day.isoformat(), first.isoformat(), last.isoformat()]
                       for day, (first, last) in hours.items()]).encode()


def _daily_hours(event: Event) -> dict[date, tuple[datetime, datetime]]:
    zone = ZoneInfo(event.timezone)
    days = [event.start_date + timedelta(days=n)
            for n in range((event.end_date - event.start_date).days + 1)]
    if not days:
        return {}
    starts = [datetime.combine(day, time.min, zone) for day in days]
    starts.append(datetime.combine(days[-1] + timedelta(days=1), time.min, zone))
    day = sa.case(*((sa.and_(Session.starts_at >= starts[n], Session.starts_at < starts[n + 1]),
                     n) for n in range(len(days))))
    # Grouped outside: PostgreSQL would not see two copies of the CASE (each with its own
    # parameters) in SELECT and GROUP BY as the same expression.
    inner = (sa.select(day.label("day"), Session.starts_at, Session.ends_at)
             .where(Session.event_id == event.id, Session.cancelled.is_(False),
                    Session.scheduled, Session.starts_at >= starts[0],
                    Session.starts_at < starts[-1])
             .subquery())
    rows = db.session.execute(
        sa.select(inner.c.day, sa.func.min(inner.c.starts_at), sa.func.max(inner.c.ends_at))
        .group_by(inner.c.day)
    ).all()
    return {days[n]: (first, last) for n, first, last in rows if n is not None}


def uses_language(event: Event, code: str) -> bool:
    """Whether a session of the event is given in `code` (one query, whatever the size of
    the programme: the schedule page asks before it looks in the render cache)."""
    return bool(db.session.scalar(sa.select(sa.exists().where(
        Session.event_id == event.id, Session.language == code))))


def schedule_sessions(event: Event, include_cancelled: bool = True,
                      include_unscheduled: bool = False) -> list[Session]:
    """The event's sessions in time order with room, track and speakers loaded. Sessions
    without a time yet (the editor's sidebar) only with `include_unscheduled`, last."""
    query = (
        sa.select(Session)
        .where(Session.event_id == event.id)
        .options(
            selectinload(Session.room),
            selectinload(Session.track),
            selectinload(Session.speaker_roles).selectinload(SessionSpeaker.speaker),
        )
        .order_by(Session.starts_at, Session.id)
    )
    if not include_cancelled:
        query = query.where(Session.cancelled.is_(False))
    if not include_unscheduled:
        query = query.where(Session.scheduled)
    sessions = list(db.session.scalars(query))
    # NULL sorts first on SQLite and last on PostgreSQL: put the unscheduled last on both.
    return [s for s in sessions if s.scheduled] + [s for s in sessions if not s.scheduled]


def event_blocks(event: Event, public_only: bool = False) -> list[ScheduleBlock]:
    """The event's breaks and blockers (`public_only`: breaks) in time order, rooms loaded."""
    query = (
        sa.select(ScheduleBlock).where(ScheduleBlock.event_id == event.id)
        .options(selectinload(ScheduleBlock.room))
        .order_by(ScheduleBlock.starts_at, ScheduleBlock.room_id, ScheduleBlock.id)
    )
    if public_only:
        query = query.where(ScheduleBlock.kind == BlockKind.BREAK)
    return list(db.session.scalars(query))


def event_speakers(event: Event) -> list[Speaker]:
    """Everyone on stage at the event, sorted by family name."""
    speakers = db.session.scalars(
        sa.select(Speaker)
        .join(SessionSpeaker)
        .join(Session)
        .where(Session.event_id == event.id, Session.scheduled)
        .distinct()
        .options(selectinload(Speaker.session_roles).selectinload(SessionSpeaker.session))
    ).all()
    return sorted(speakers, key=lambda s: (localized(s, "family_name"), localized(s, "given_name")))


def absolute_url(path: str) -> str:
    return current_app.config["FESTA_BASE_URL"] + path


def session_path(session: Session) -> str:
    return f"/events/{session.event.slug}/sessions/{session.id}"


def session_url(session: Session) -> str:
    """The session's public page, absolute (feeds, calendars, mail)."""
    return absolute_url(session_path(session))


def event_summary(event: Event) -> dict:
    start, end = event_bounds(event)
    return {
        "slug": event.slug,
        "name": localized(event, "name"),
        "name_ko": event.name_ko,
        "name_en": event.name_en,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "timezone": event.timezone,
        "registration_open": registration_open(event),
        "url": absolute_url(f"/events/{event.slug}/"),
        # What the event states about itself; null where it says nothing.
        "organizer": ({"name": localized(event, "organizer_name"),
                       "url": event.organizer_url or None}
                      if localized(event, "organizer_name") else None),
        "country": event.country or None,
        "currency": event.currency or None,
    }


def session_summary(session: Session) -> dict:
    zone = ZoneInfo(session.event.timezone)
    room = session.room
    track = session.track
    return {
        "id": session.id,
        "title": localized(session, "title"),
        "title_ko": session.title_ko,
        "title_en": session.title_en,
        "kind": session.kind,
        "language": language_codes(session.language)[0],
        "languages": language_codes(session.language),
        "start": session.starts_at.astimezone(zone).isoformat() if session.scheduled else None,
        "end": session.ends_at.astimezone(zone).isoformat() if session.scheduled else None,
        "room": {"id": room.id, "name": localized(room, "name")} if room else None,
        "track": ({"id": track.id, "name": localized(track, "name"), "color": track.color}
                  if track else None),
        "speakers": [
            {"id": r.speaker.id, "name": speaker_name(r.speaker), "role": r.role}
            for r in session.speaker_roles
        ],
        "capacity": session.capacity,
        "seats_left": session.seats_left,
        "reservation_required": session.reservation_required,
        "cancelled": session.cancelled,
        "version": session.version,
        "url": absolute_url(f"/events/{session.event.slug}/sessions/{session.id}"),
    }


def all_events(user: User) -> list[Event]:
    """Every event `user` acts on (admins: all), drafts included, latest first."""
    return list(db.session.scalars(sa.select(Event).where(event_scope(user, Event.id))
                                   .order_by(Event.start_date.desc(), Event.id)))
