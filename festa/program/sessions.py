"""Organizers' changes to sessions and speakers: validate, change, audit.

Like `festa.program.editing`: each change is one transaction; check first (FestaError naming
the fields), then change and audit. Any change to a session bumps its `sequence`, so
calendar apps replace their copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from festa.audit.services import record
from festa.core.transactions import transactional
from festa.errors import FestaError
from festa.extensions import db
from festa.i18n import is_language
from festa.program.conflicts import Conflict, Draft, draft_conflicts
from festa.program.editing import (
    Problems,
    apply_changes,
    check_capacity,
    create,
    delete,
    pick,
    update,
)
from festa.program.models import (
    Event,
    Room,
    Session,
    SessionKind,
    SessionLanguage,
    SessionSpeaker,
    Speaker,
    SpeakerRole,
    Track,
)

SESSION_FIELDS = ("title_ko", "title_en", "abstract_ko", "abstract_en", "kind", "language",
                  "room_id", "track_id", "starts_at", "ends_at", "capacity",
                  "reservation_required", "cancelled", "subtitle_ko", "subtitle_en",
                  "description_ko", "description_en", "links", "do_not_record", "source_key")
SPEAKER_FIELDS = ("family_name_ko", "given_name_ko", "family_name_en", "given_name_en",
                  "given_name_first", "affiliation_ko", "affiliation_en", "title_ko", "title_en",
                  "bio_ko", "bio_en", "photo_url", "email", "source_key")


def _check_times(problems: Problems, starts_at: datetime | None, ends_at: datetime | None) -> None:
    """Both times, or neither (a session not scheduled yet)."""
    if starts_at is None and ends_at is None:
        return
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if value is None:
            problems.add("missing_time", name, _("Enter both times, or neither to leave the "
                                                 "session unscheduled."))
        elif value.tzinfo is None:
            problems.add("naive_time", name, _("The time needs a time zone."))
    if starts_at and ends_at and starts_at.tzinfo and ends_at.tzinfo and ends_at <= starts_at:
        problems.add("end_before_start", "ends_at", _("The end is not after the start."))


def _check_session(event: Event, values: dict, session: Session | None) -> None:
    problems = Problems()
    _check_times(problems, values["starts_at"], values["ends_at"])
    if values["kind"] not in set(SessionKind):
        problems.add("unknown_kind", "kind", _("Unknown kind of session."))
    if not is_language(values["language"]):
        problems.add("unknown_language", "language", _("Unknown language."))
    room = db.session.get(Room, values["room_id"]) if values["room_id"] is not None else None
    if values["room_id"] is not None and (room is None or room.venue_id != event.venue_id):
        problems.add("unknown_room", "room_id", _("Unknown room: choose a room of the event's "
                                                  "venue."))
    track = db.session.get(Track, values["track_id"]) if values["track_id"] is not None else None
    if values["track_id"] is not None and (track is None or track.event_id != event.id):
        problems.add("unknown_track", "track_id", _("Unknown track: choose one of this event's "
                                                    "tracks."))
    check_capacity(problems, values["capacity"], session.seats_taken if session else 0)
    problems.check()


def session_values(event: Event, data: Mapping[str, Any], session: Session | None = None) -> dict:
    """The session's fields as they would be saved, checked (raises FestaError)."""
    defaults = session or Session(kind=SessionKind.TALK, language=SessionLanguage.KO,
                                  reservation_required=False, cancelled=False,
                                  subtitle_ko="", subtitle_en="", description_ko="",
                                  description_en="", links=None, do_not_record=False,
                                  source_key="")
    values = pick(data, SESSION_FIELDS, defaults)
    _check_session(event, values, session)
    return values


def check_draft(event: Event, data: Mapping[str, Any],
                session: Session | None = None) -> list[Conflict]:
    """The conflicts the values would cause if saved (nothing is written); none while the
    values are not valid yet."""
    try:
        values = session_values(event, data, session)
    except FestaError:
        return []
    if values["starts_at"] is None:
        return []
    room = db.session.get(Room, values["room_id"]) if values["room_id"] is not None else None
    draft = Draft(id=session.id if session else 0, event=event,
                  title_ko=values["title_ko"] or "", title_en=values["title_en"] or "",
                  starts_at=values["starts_at"], ends_at=values["ends_at"], room=room,
                  speaker_roles=list(session.speaker_roles) if session else [],
                  seats_taken=session.seats_taken if session else 0,
                  cancelled=bool(values["cancelled"]))
    return draft_conflicts(event, draft)


def refuse_hard_conflicts(conflicts: list[Conflict]) -> None:
    """Raise the first hard rule broken (422 with its code and reason); warnings pass."""
    hard = [c for c in conflicts if c.hard]
    if hard:
        raise FestaError(hard[0].code, hard[0].message, status=422,
                         fields={"room_id": [c.message for c in hard]})


@transactional
def create_session(event: Event, data: Mapping[str, Any]) -> Session:
    """A new session of `event`."""
    values = session_values(event, data)
    return create(Session(event=event, sequence=0), "session.create", values)


@transactional
def update_session(session: Session, data: Mapping[str, Any]) -> dict[str, list]:
    """Change a session (cancelling is `cancelled=True`); bumps its sequence."""
    values = session_values(session.event, data, session)
    if values["room_id"] != session.room_id:  # a room already too small stays editable
        refuse_hard_conflicts(check_draft(session.event, data, session))
    changes = apply_changes(session, values)
    if changes:
        session.sequence += 1
        db.session.flush()
        record("session.update", session, details={"changes": changes})
    return changes


@transactional
def delete_session(session: Session) -> None:
    starts_at = session.starts_at.isoformat() if session.scheduled else None
    delete(session, "session.delete", {"title_en": session.title_en, "starts_at": starts_at})


@transactional
def assign_speaker(session: Session, speaker: Speaker, role: str = SpeakerRole.SPEAKER,
                   position: int = 0) -> SessionSpeaker:
    """Put a speaker on a session (or change their role and order there)."""
    problems = Problems()
    if role not in set(SpeakerRole):
        problems.add("unknown_role", "role", _("Unknown role."))
    if position is None or position < 0:
        problems.add("bad_position", "position", _("The order cannot be negative."))
    problems.check()
    link = next((r for r in session.speaker_roles if r.speaker_id == speaker.id), None)
    if link is None:
        link = SessionSpeaker(speaker=speaker, role=role, position=position)
        session.speaker_roles.append(link)
    else:
        link.role, link.position = role, position
    session.speaker_roles.sort(key=lambda r: (r.position, r.speaker_id or 0))
    session.sequence += 1
    record("session.assign_speaker", session,
           details={"speaker_id": speaker.id, "role": role, "position": position})
    db.session.flush()
    return link


@transactional
def remove_speaker(session: Session, speaker: Speaker) -> None:
    """Take a speaker off a session."""
    link = next((r for r in session.speaker_roles if r.speaker_id == speaker.id), None)
    if link is None:
        return
    session.speaker_roles.remove(link)
    session.sequence += 1
    record("session.remove_speaker", session, details={"speaker_id": speaker.id})
    db.session.flush()


@transactional
def create_speaker(data: Mapping[str, Any]) -> Speaker:
    return create(Speaker(), "speaker.create", pick(data, SPEAKER_FIELDS))


@transactional
def update_speaker(speaker: Speaker, data: Mapping[str, Any]) -> dict[str, list]:
    """Change a speaker; their sessions' sequences go up (the programme shows the name)."""
    changes = update(speaker, "speaker.update", pick(data, SPEAKER_FIELDS))
    if changes:
        for link in speaker.session_roles:
            link.session.sequence += 1
    return changes


@transactional
def delete_speaker(speaker: Speaker) -> None:
    """Delete a speaker and take them off every session."""
    for link in speaker.session_roles:
        link.session.sequence += 1
    delete(speaker, "speaker.delete", {"family_name_en": speaker.family_name_en,
                                       "given_name_en": speaker.given_name_en})
