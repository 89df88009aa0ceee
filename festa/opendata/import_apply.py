"""Applying an import plan through the programme services, as one transaction.

Rooms and tracks are matched by name (either language, case ignored) and created when new;
a room capacity or position, or a track colour or position, the file gives is set. The
venue a CSV names becomes the venue of an event that has none: the existing venue with the
same names and address (venues are shared between events, as on the event form), else a
new one; an event that has a venue keeps it, and takes the file's address when the names
match. Speakers are matched only among this event's speakers — by the file's person
identity (guid, code or id), else by name — and created when new: two people of the same
name at different conferences stay two people. Sessions are matched by the file's identity,
else by id (CSV: only an id of this event's sessions; any other id, e.g. from a file
exported by another event, is ignored), else by title and start, and updated, or created.
Every change goes through festa.program's services, so it is validated, audited and bumps
the session's sequence exactly like an edit by hand.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from festa.audit.services import record
from festa.core.transactions import transactional
from festa.errors import FestaError
from festa.extensions import db
from festa.i18n import speaker_name
from festa.opendata.import_plan import ImportFailed, ImportPlan, display_names, name_key
from festa.program import editing as event_services
from festa.program import sessions as session_services
from festa.program.models import Event, Room, Session, SessionSpeaker, Speaker, Track, Venue

SESSION_KEYS = ("title_ko", "title_en", "abstract_ko", "abstract_en", "kind", "language",
                "capacity", "reservation_required", "cancelled")
# Kept when the file has them (schedule files); a CSV leaves them as they are.
OPTIONAL_KEYS = ("subtitle_ko", "subtitle_en", "description_ko", "description_en", "links",
                 "do_not_record", "source_key")


def _given(names: dict, *keys: str) -> dict:
    """The values a file gives for a room or track (None or missing: keep the current)."""
    return {key: names[key] for key in keys if names.get(key) is not None}


def _as_written(name: str) -> str:
    return " ".join(name.split())


class Resolver:
    """Finds or creates the rooms, tracks and speakers rows refer to, once each."""

    def __init__(self, event: Event, venue: dict | None = None) -> None:
        self.event = event
        self.created = {"rooms": 0, "tracks": 0, "speakers": 0}
        if venue:
            self._take_venue(venue)
        self.rooms = self._index(event.venue.rooms if event.venue else [], "name")
        self.tracks = self._index(event.tracks, "name")
        # Names as written first ("Mo" and "mo" may be two people of one programme), then,
        # among the speakers the event already had, with case and spacing ignored.
        self.speakers: dict[str, Speaker] = {}
        self.known_speakers: dict[str, Speaker] = {}
        self.speaker_sources: dict[str, Speaker] = {}
        event_speakers = sa.select(Speaker).join(SessionSpeaker).join(Session).where(
            Session.event_id == event.id).distinct().order_by(Speaker.id)
        for speaker in db.session.scalars(event_speakers):
            if speaker.source_key:
                self.speaker_sources.setdefault(speaker.source_key, speaker)
            for name in (speaker_name(speaker, "ko"), speaker_name(speaker, "en")):
                self.speakers.setdefault(_as_written(name), speaker)
                self.known_speakers.setdefault(name_key(name), speaker)

    @staticmethod
    def _index(objects, field: str) -> dict[str, Any]:
        index: dict[str, Any] = {}
        for obj in objects:
            for lang in ("ko", "en"):
                index.setdefault(name_key(getattr(obj, f"{field}_{lang}")), obj)
        return index

    def _find(self, index: dict, names: dict) -> Any:
        return index.get(name_key(names["ko"])) or index.get(name_key(names["en"]))

    def _set_venue(self, venue: Venue) -> None:
        # Only the venue changes: the event's other rules are not the import's concern.
        self.event.venue = venue
        record("event.update", self.event, details={"changes": {"venue_id": [None, venue.id]}})

    def _take_venue(self, fields: dict) -> None:
        """The file's venue: the event's own if the names match (its address filled in),
        else, for an event without one, the same place already known or a new venue."""
        venue = self.event.venue
        if venue is not None:
            ours = {name_key(venue.name_ko), name_key(venue.name_en)}
            if ours & {name_key(fields["name_ko"]), name_key(fields["name_en"])}:
                address = {k: fields[k] for k in ("address_ko", "address_en") if fields[k]}
                event_services.update_venue(venue, address)
            return
        same = sa.select(Venue).where(*(getattr(Venue, k) == v for k, v in fields.items()))
        self._set_venue(db.session.scalars(same.order_by(Venue.id)).first()
                        or event_services.create_venue(fields))

    def room(self, names: dict | None) -> Room | None:
        if not names:
            return None
        room = self._find(self.rooms, names)
        if room is None:
            if self.event.venue is None:
                self._set_venue(event_services.create_venue(
                    {"name_ko": self.event.name_ko, "name_en": self.event.name_en}))
            room = event_services.create_room(self.event.venue, {
                "name_ko": names["ko"], "name_en": names["en"],
                "capacity": names.get("capacity"),
                "position": names.get("position", len(self.event.venue.rooms) + 1)})
            self.created["rooms"] += 1
            self.rooms.update({name_key(names["ko"]): room, name_key(names["en"]): room})
        else:
            event_services.update_room(room, _given(names, "capacity", "position"))
        return room

    def track(self, names: dict | None) -> Track | None:
        if not names:
            return None
        track = self._find(self.tracks, names)
        if track is None:
            track = event_services.create_track(self.event, {
                "name_ko": names["ko"], "name_en": names["en"],
                "color": names.get("color") or "#3355aa",
                "position": names.get("position", len(self.event.tracks) + 1)})
            self.created["tracks"] += 1
            self.tracks.update({name_key(names["ko"]): track, name_key(names["en"]): track})
        else:
            event_services.update_track(track, _given(names, "color", "position"))
        return track

    def speaker(self, fields: dict) -> Speaker:
        name_ko, name_en = display_names(fields)
        source = fields.get("source_key") or ""
        if source:
            speaker = self.speaker_sources.get(source)
        else:
            speaker = next((index[key(name)] for index, key in (
                (self.speakers, _as_written), (self.known_speakers, name_key))
                for name in (name_ko, name_en) if key(name) in index), None)
        if speaker is None:
            speaker = session_services.create_speaker(fields)
            self.created["speakers"] += 1
            self.speakers.update({_as_written(name_ko): speaker, _as_written(name_en): speaker})
            if source:
                self.speaker_sources[source] = speaker
        return speaker


def _existing_sessions(event: Event) -> tuple[dict, dict, dict]:
    sessions = list(db.session.scalars(sa.select(Session).where(Session.event_id == event.id)))
    by_id = {s.id: s for s in sessions}
    by_title = {}
    for s in sessions:
        for title in (s.title_ko, s.title_en):
            by_title.setdefault((name_key(title), s.starts_at), s)
    by_source = {s.source_key: s for s in sessions if s.source_key}
    return by_id, by_title, by_source


def _sync_speakers(session: Session, speakers: list[Speaker]) -> bool:
    wanted = [s.id for s in speakers]
    if [r.speaker_id for r in session.speaker_roles] == wanted:
        return False
    for role in list(session.speaker_roles):
        if role.speaker_id not in wanted:
            session_services.remove_speaker(session, role.speaker)
    for position, speaker in enumerate(speakers):
        session_services.assign_speaker(session, speaker, position=position)
    return True


def _find_session(row: dict, starts_at: datetime, found: tuple[dict, dict, dict],
                  summary: dict) -> Session | None:
    by_id, by_title, by_source = found
    if row.get("source_key") and row["source_key"] in by_source:
        return by_source[row["source_key"]]
    if row["id"] is not None:
        if row["id"] in by_id:
            return by_id[row["id"]]
        summary["ids_ignored"] += 1  # not this event's: the row is matched as without one
    return (by_title.get((name_key(row["title_ko"]), starts_at))
            or by_title.get((name_key(row["title_en"]), starts_at)))


def _apply_row(row: dict, event: Event, resolver: Resolver, found: tuple[dict, dict, dict],
               summary: dict) -> None:
    by_source = found[2]
    starts_at = datetime.fromisoformat(row["starts_at"])
    data = {key: row[key] for key in SESSION_KEYS}
    data.update({key: row[key] for key in OPTIONAL_KEYS if key in row})
    room, track = resolver.room(row["room"]), resolver.track(row["track"])
    data.update(starts_at=starts_at, ends_at=datetime.fromisoformat(row["ends_at"]),
                room_id=room.id if room else None, track_id=track.id if track else None)
    session = _find_session(row, starts_at, found, summary)
    if session is not None and not data.get("links") and not session.links:
        data.pop("links", None)  # no links, written as [] or as nothing: not a change
    created = session is None
    if created:
        session = session_services.create_session(event, data)
        summary["created"] += 1
    changed = not created and bool(session_services.update_session(session, data))
    speakers = [resolver.speaker(fields) for fields in row["speakers"]]
    changed = _sync_speakers(session, speakers) or changed
    if not created:
        summary["updated" if changed else "unchanged"] += 1
    if session.source_key:
        by_source[session.source_key] = session


@transactional
def apply_plan(plan: ImportPlan, event: Event) -> dict[str, int]:
    """Import every row or nothing, in one transaction: raises ImportFailed naming the line
    of the first refusal (nothing is kept). Returns counts: created, updated, unchanged,
    ids_ignored (ids that are not this event's sessions), rooms, tracks, speakers."""
    if plan.errors:
        raise ImportFailed(plan.errors)
    resolver = Resolver(event, plan.venue)
    found = _existing_sessions(event)
    summary = {"created": 0, "updated": 0, "unchanged": 0, "ids_ignored": 0}
    for row in plan.rows:
        try:
            _apply_row(row, event, resolver, found, summary)
        except FestaError as error:
            field = ", ".join(error.fields) if error.fields else "row"
            message = "; ".join(m for ms in error.fields.values() for m in ms) or error.message
            raise ImportFailed([{"line": row["line"], "field": field,
                                 "message": message}]) from error
    summary.update(resolver.created)
    record("programme.import", event, details={"source": plan.source,
                                               "filename": plan.filename, **summary})
    db.session.flush()
    return summary
