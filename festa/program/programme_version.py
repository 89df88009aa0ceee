"""The programme version: one number per event that grows with every programme change.

Rendered schedules (the page, schedule.json/.xml/.ics) are cached under it, so a change
is never missed and nothing is invalidated by hand: the next request asks for a new key.

Every flush that adds, changes or deletes a programme row — the event itself, its
sessions, tracks, speakers' roles, breaks and published versions, and the rooms, venues
and speakers it shares with other events — bumps the versions of the events concerned,
in the same transaction. Seat counters are not the programme: they change by Core
UPDATEs, which this hook does not see (a bulk UPDATE of programme rows must call
`bump` itself).
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask import Flask
from sqlalchemy import event as sa_event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session as OrmSession

from festa.extensions import db
from festa.program.models import (
    Event,
    ProgrammeVersion,
    Room,
    ScheduleBlock,
    ScheduleVersion,
    Session,
    SessionSpeaker,
    Speaker,
    Track,
    Venue,
)

OWN_ROWS = (Session, Track, ScheduleBlock, ScheduleVersion)  # rows with an event_id
PROGRAMME_ROWS = (Event, *OWN_ROWS, SessionSpeaker, Room, Venue, Speaker)


def version_column(event_id) -> sa.ScalarSelect:
    """The event's programme version as a column of another query (`event_id` a value or
    a column); NULL before its first change was counted."""
    return (sa.select(ProgrammeVersion.version)
            .where(ProgrammeVersion.event_id == event_id).scalar_subquery())


def programme_version(event_id: int) -> int:
    """The event's current programme version (0 before its first change was counted)."""
    return db.session.scalar(sa.select(ProgrammeVersion.version).where(
        ProgrammeVersion.event_id == event_id)) or 0


def bump(connection: sa.Connection, event_ids: Iterable[int]) -> None:
    """Count one change for each of these events (an upsert: the row may not exist yet)."""
    ids = sorted(set(event_ids))
    if not ids:
        return
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    table = ProgrammeVersion.__table__
    # From the events still there: an event deleted in this flush has nothing to count.
    existing = sa.select(Event.id, sa.literal(1)).where(Event.id.in_(ids))
    statement = insert(table).from_select(["event_id", "version"], existing)
    connection.execute(statement.on_conflict_do_update(
        index_elements=[table.c.event_id], set_={"version": table.c.version + 1}))


def _loaded(obj, name: str):
    """An attribute's value as loaded, without a query (deleted rows cannot be reloaded)."""
    return sa.inspect(obj).dict.get(name)


def _events_of(connection: sa.Connection, obj) -> set[int]:
    if isinstance(obj, Event):
        return {obj.id} if obj.id is not None else set()
    if isinstance(obj, OWN_ROWS):
        event_id = _loaded(obj, "event_id")
        return {event_id} if event_id is not None else set()
    if isinstance(obj, SessionSpeaker):
        query = sa.select(Session.event_id).where(Session.id == _loaded(obj, "session_id"))
    elif isinstance(obj, Room):
        query = sa.select(Event.id).where(Event.venue_id == _loaded(obj, "venue_id"))
    elif isinstance(obj, Venue):
        query = sa.select(Event.id).where(Event.venue_id == obj.id)
    else:  # a Speaker: every event where they have a role
        query = (sa.select(Session.event_id).join(
            SessionSpeaker, SessionSpeaker.session_id == Session.id)
            .where(SessionSpeaker.speaker_id == obj.id))
    return set(connection.execute(query).scalars())


def _count_programme_changes(session: OrmSession, _context) -> None:
    """After the rows are written (their ids and foreign keys known), before the commit."""
    changed = [obj for obj in (*session.new, *session.deleted) if isinstance(obj, PROGRAMME_ROWS)]
    changed += [obj for obj in session.dirty if isinstance(obj, PROGRAMME_ROWS)
                and session.is_modified(obj, include_collections=False)]
    if not changed:
        return
    connection = session.connection()
    bump(connection, set().union(*(_events_of(connection, obj) for obj in changed)))


def init_app(app: Flask) -> None:
    """Count programme changes in every database session (listening twice changes nothing)."""
    if not sa_event.contains(OrmSession, "after_flush", _count_programme_changes):
        sa_event.listen(OrmSession, "after_flush", _count_programme_changes)
