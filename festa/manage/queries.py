"""What the organizer's pages count and list: a few grouped queries, never one per row."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from festa.extensions import db
from festa.program.models import Session, SessionSpeaker, Speaker, Venue
from festa.registration.models import Registration, RegistrationStatus


def all_venues() -> list[Venue]:
    """Every venue with its rooms (loaded in one more query, not one per venue)."""
    return list(db.session.scalars(
        sa.select(Venue).options(selectinload(Venue.rooms)).order_by(Venue.name_ko)))


def all_speakers() -> list[Speaker]:
    return list(db.session.scalars(
        sa.select(Speaker).order_by(Speaker.family_name_ko, Speaker.given_name_ko, Speaker.id)))


def _count_by_event(column, event_ids: Iterable[int], *where) -> dict[int, int]:
    ids = list(event_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(column, sa.func.count()).where(column.in_(ids), *where).group_by(column))
    return {event_id: count for event_id, count in rows}


def session_counts(event_ids: Iterable[int]) -> dict[int, int]:
    """Sessions per event (cancelled ones not counted)."""
    return _count_by_event(Session.event_id, event_ids, Session.cancelled.is_(False))


def registration_counts(event_ids: Iterable[int]) -> dict[int, int]:
    """Registrations per event that are not cancelled (confirmed or waitlisted)."""
    return _count_by_event(Registration.event_id, event_ids,
                           Registration.status != RegistrationStatus.CANCELLED)


def speaker_session_counts() -> dict[int, int]:
    """How many sessions each speaker is on."""
    rows = db.session.execute(sa.select(SessionSpeaker.speaker_id, sa.func.count())
                              .group_by(SessionSpeaker.speaker_id))
    return {speaker_id: count for speaker_id, count in rows}
