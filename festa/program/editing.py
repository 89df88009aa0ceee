"""Organizers' changes to events, tracks, venues and rooms: validate, change, audit.

Each change is one transaction (`@transactional`: it commits, or rolls back on failure;
inside another service, e.g. a programme import, it joins that one). It checks everything
first and raises `FestaError` naming the fields at fault before changing anything, and
writes the audit entry with the change. Sessions and speakers are in
`festa.program.sessions`; both share the helpers here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import available_timezones

import sqlalchemy as sa
from flask_babel import gettext as _

from festa import signals
from festa.audit.services import record
from festa.auth.models import User
from festa.auth.teams import put_on_team
from festa.core.transactions import transactional
from festa.errors import FestaError
from festa.extensions import db
from festa.i18n import currency_codes, is_country
from festa.program.models import SLUG_PATTERN, Event, Room, Session, Track, Venue

EVENT_FIELDS = ("slug", "name_ko", "name_en", "description_ko", "description_en",
                "start_date", "end_date", "timezone", "venue_id", "capacity",
                "registration_opens_at", "registration_closes_at", "retention_days",
                "organizer_name_ko", "organizer_name_en", "organizer_url", "country", "currency")
TRACK_FIELDS = ("name_ko", "name_en", "description_ko", "description_en", "color", "position")
VENUE_FIELDS = ("name_ko", "name_en", "address_ko", "address_en")
ROOM_FIELDS = ("name_ko", "name_en", "capacity", "position", "opens_at", "closes_at",
               "parallel_sessions")
COLOR_PATTERN = r"^#[0-9a-fA-F]{6}$"


class Problems:
    """Collects every field error of one operation, so the form shows them all at once."""

    def __init__(self) -> None:
        self.codes: list[str] = []
        self.fields: dict[str, list[str]] = {}

    def add(self, code: str, field: str, message: str) -> None:
        self.codes.append(code)
        self.fields.setdefault(field, []).append(message)

    def check(self) -> None:
        """Raise one FestaError (422, the first problem's code) if anything was found."""
        if self.codes:
            messages = "; ".join(f"{f}: {m}" for f, ms in self.fields.items() for m in ms)
            raise FestaError(self.codes[0], messages, status=422, fields=self.fields)


def pick(data: Mapping[str, Any], names: tuple[str, ...], obj: object | None = None) -> dict:
    """The known fields of `data`; with `obj`, missing ones are taken from it (for checks)."""
    picked = {name: data[name] for name in names if name in data}
    if obj is not None:
        return {name: picked.get(name, getattr(obj, name)) for name in names}
    return picked


def _jsonable(value: Any) -> Any:
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    return value


def apply_changes(obj: object, data: Mapping[str, Any]) -> dict[str, list]:
    """Set the attributes; return `{field: [old, new]}` for those that really changed."""
    changes = {}
    for name, value in data.items():
        old = getattr(obj, name, None)
        if old != value:
            changes[name] = [_jsonable(old), _jsonable(value)]
            setattr(obj, name, value)
    return changes


def create(obj: object, action: str, data: Mapping[str, Any]) -> Any:
    """Add a new object with `data` and audit it as `action`."""
    changes = apply_changes(obj, data)
    db.session.add(obj)
    db.session.flush()
    record(action, obj, details={"changes": changes})
    return obj


def update(obj: object, action: str, data: Mapping[str, Any]) -> dict[str, list]:
    """Change an object; audit only when something changed. Returns the changes."""
    changes = apply_changes(obj, data)
    if changes:
        db.session.flush()
        record(action, obj, details={"changes": changes})
    return changes


def delete(obj: object, action: str, details: dict | None = None) -> None:
    """Audit, then delete (the entry is written first: it may refer to the deleted row)."""
    record(action, obj, details=details or {})
    db.session.flush()
    db.session.delete(obj)
    db.session.flush()


def check_capacity(problems: Problems, value: int | None, taken: int = 0) -> None:
    if value is None:
        return
    if value < 0:
        problems.add("negative_capacity", "capacity", _("Capacity cannot be negative."))
    elif value < taken:
        problems.add("capacity_below_taken", "capacity",
                     _("%(taken)d seats are already taken; capacity cannot be lower.",
                       taken=taken))


# ---------------------------------------------------------------- events


def _check_event(values: dict, event: Event | None) -> None:
    problems = Problems()
    slug = values["slug"] or ""
    if not re.fullmatch(SLUG_PATTERN, slug):
        problems.add("bad_slug", "slug", _("Use lowercase letters, digits and single hyphens."))
    elif _slug_taken(slug, event):
        problems.add("slug_taken", "slug", _("Another event already uses this address."))
    if values["start_date"] and values["end_date"] and values["end_date"] < values["start_date"]:
        problems.add("end_before_start", "end_date", _("The end date is before the start date."))
    if values["timezone"] not in available_timezones():
        problems.add("unknown_timezone", "timezone", _("Unknown time zone."))
    _check_event_venue(problems, values["venue_id"], event)
    opens, closes = values["registration_opens_at"], values["registration_closes_at"]
    if opens and closes and closes <= opens:
        problems.add("registration_closes_before_opens", "registration_closes_at",
                     _("Registration must close after it opens."))
    check_capacity(problems, values["capacity"], event.seats_taken if event else 0)
    _check_event_facts(problems, values)
    problems.check()


def _check_event_facts(problems: Problems, values: dict) -> None:
    """Organizer, country and currency as structured data publishes them: a web address
    anyone can open, ISO 3166 and ISO 4217 codes in use (empty: not known)."""
    if values["country"] and not is_country(values["country"]):
        problems.add("unknown_country", "country", _("Choose a country from the list."))
    if values["currency"] and values["currency"] not in currency_codes():
        problems.add("unknown_currency", "currency", _("Choose a currency from the list."))
    url = values["organizer_url"] or ""
    parts = urlsplit(url)
    if url and (parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500):
        problems.add("bad_organizer_url", "organizer_url",
                     _("Enter a web address starting with https://."))


def _slug_taken(slug: str, event: Event | None) -> bool:
    query = sa.select(Event.id).where(Event.slug == slug)
    if event is not None:
        query = query.where(Event.id != event.id)
    return db.session.scalar(query.limit(1)) is not None


def _check_event_venue(problems: Problems, venue_id: int | None, event: Event | None) -> None:
    if venue_id is not None and db.session.get(Venue, venue_id) is None:
        problems.add("unknown_venue", "venue_id", _("Unknown venue."))
    elif event is not None and venue_id != event.venue_id and db.session.scalar(
            sa.select(Session.id).join(Room).where(Session.event_id == event.id).limit(1)):
        problems.add("venue_has_sessions", "venue_id",
                     _("Sessions are placed in this venue's rooms; move them first."))


def event_values(data: Mapping[str, Any], event: Event | None = None) -> dict:
    """The event's fields as they would be saved, checked (raises FestaError)."""
    values = pick(data, EVENT_FIELDS, event or Event(timezone="Asia/Seoul", retention_days=365))
    for name in ("country", "currency"):  # codes are written in capitals: kr → KR
        if isinstance(values[name], str):
            values[name] = values[name].strip().upper()
    _check_event(values, event)
    return values


@transactional
def create_event(data: Mapping[str, Any], creator: User | None = None) -> Event:
    """A new (draft) event; an organizer who creates it is on its team (admins are on
    every team already); the areas above add what every event has (its entrance)."""
    event = create(Event(published=False), "event.create", event_values(data))
    if creator is not None and not creator.sees_every_event:
        put_on_team(event.id, creator)
    signals.send(signals.event_created, event)
    return event


@transactional
def update_event(event: Event, data: Mapping[str, Any]) -> dict[str, list]:
    """Change an event's details (not its published state: see `set_published`)."""
    return update(event, "event.update", event_values(data, event))


@transactional
def set_published(event: Event, published: bool) -> None:
    """Publish (the public pages and feeds show it) or take back to draft."""
    if event.published != published:
        event.published = published
        record("event.publish" if published else "event.unpublish", event)


@transactional
def delete_event(event: Event) -> None:
    """Delete an event with its tracks and sessions; the areas above may refuse
    (`event_deleting`: registration does once people registered)."""
    signals.send(signals.event_deleting, event)
    delete(event, "event.delete", {"slug": event.slug, "name_en": event.name_en})


# ---------------------------------------------------------------- tracks


def _check_track(values: dict) -> None:
    problems = Problems()
    if not re.fullmatch(COLOR_PATTERN, values.get("color") or ""):
        problems.add("bad_color", "color", _("Use a colour such as #3355aa."))
    problems.check()


@transactional
def create_track(event: Event, data: Mapping[str, Any]) -> Track:
    values = pick(data, TRACK_FIELDS, Track(color="#3355aa", position=0))
    _check_track(values)
    return create(Track(event=event), "track.create", values)


@transactional
def update_track(track: Track, data: Mapping[str, Any]) -> dict[str, list]:
    values = pick(data, TRACK_FIELDS, track)
    _check_track(values)
    return update(track, "track.update", values)


@transactional
def delete_track(track: Track) -> None:
    """Delete a track; its sessions stay, without a track."""
    delete(track, "track.delete", {"name_en": track.name_en})


# ---------------------------------------------------------------- venues and rooms


@transactional
def create_venue(data: Mapping[str, Any]) -> Venue:
    return create(Venue(), "venue.create", pick(data, VENUE_FIELDS))


@transactional
def update_venue(venue: Venue, data: Mapping[str, Any]) -> dict[str, list]:
    return update(venue, "venue.update", pick(data, VENUE_FIELDS))


@transactional
def delete_venue(venue: Venue) -> None:
    """Delete a venue and its rooms; refused while an event takes place there."""
    if db.session.scalar(sa.select(Event.id).where(Event.venue_id == venue.id).limit(1)):
        raise FestaError("venue_in_use", _("An event takes place at this venue; it cannot be "
                                           "deleted."), status=409)
    delete(venue, "venue.delete", {"name_en": venue.name_en})


def _check_room(values: dict) -> None:
    problems = Problems()
    check_capacity(problems, values["capacity"])
    if values["opens_at"] and values["closes_at"] and values["closes_at"] <= values["opens_at"]:
        problems.add("closes_before_opens", "closes_at", _("The room must close after it opens."))
    problems.check()


@transactional
def create_room(venue: Venue, data: Mapping[str, Any]) -> Room:
    values = pick(data, ROOM_FIELDS, Room(position=0, parallel_sessions=False))
    _check_room(values)
    return create(Room(venue=venue), "room.create", values)


@transactional
def update_room(room: Room, data: Mapping[str, Any]) -> dict[str, list]:
    values = pick(data, ROOM_FIELDS, room)
    _check_room(values)
    return update(room, "room.update", values)


@transactional
def delete_room(room: Room) -> None:
    """Delete a room; refused while sessions are placed in it (they would lose their room)."""
    if db.session.scalar(sa.select(Session.id).where(Session.room_id == room.id).limit(1)):
        raise FestaError("room_in_use", _("Sessions are placed in this room; move them first."),
                         status=409)
    delete(room, "room.delete", {"name_en": room.name_en, "venue_id": room.venue_id})
