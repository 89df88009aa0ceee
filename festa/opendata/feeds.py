"""The published programme in the C3VOC/frab formats that schedule apps read.

`schedule_document` builds the `schedule.json` document (validated against
shared/ref/schedule/schema.json in the tests); `schedule_xml` writes the same data as
frab XML (validated against shared/ref/schedule/schedule.xml.xsd). One builder, two
encodings, so the feeds cannot disagree. Identifiers are stable: `guid`s are UUIDv5 of
the object's public URL, so apps recognise a session after it moved.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
import xml.etree.ElementTree as ET
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from importlib import metadata
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from festa.i18n import language_codes, localized, speaker_name
from festa.opendata.versions import feed_version
from festa.program import queries
from festa.program.models import Event, Room, Session, Speaker
from festa.program.queries import session_path, session_url

SCHEMA_URL = "https://c3voc.de/schedule/schema.json"
TIMESLOT = "00:05"
HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def generator() -> dict:
    try:
        version = metadata.version("festa")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        version = "0"
    return {"name": "festa", "version": version}


def slugify(text: str, fallback: str = "") -> str:
    """ASCII lower-case words joined by '-' ('AI Seoul 2025' -> 'ai-seoul-2025')."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:60].strip("-") or fallback


def acronym(event: Event) -> str:
    """The event slug as a frab acronym (letters, digits and '_', at least four)."""
    return event.slug.replace("-", "_").ljust(4, "_")


def guid(path: str) -> str:
    """A stable UUID for a public path, the same in every feed and every version."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, queries.absolute_url(path)))


def session_slug(session: Session) -> str:
    return f"{acronym(session.event)}-{session.id}-{slugify(session.title_en, 'session')}"


def hhmm(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def room_name(room: Room | None) -> str:
    return localized(room, "name") if room else _("Room to be announced")


def person(speaker: Speaker) -> dict:
    """A PretalxPerson (name, no public_name): one branch of the schema's oneOf."""
    return {
        "id": speaker.id,
        "guid": guid(f"/speakers/{speaker.id}"),
        "name": speaker_name(speaker),
        "biography": localized(speaker, "bio"),
    }


def frab_event(session: Session, zone: ZoneInfo) -> dict:
    start = session.starts_at.astimezone(zone)
    return {
        "id": session.id,
        "guid": guid(session_path(session)),
        "date": start.isoformat(),
        "start": start.strftime("%H:%M"),
        "end": session.ends_at.astimezone(zone).isoformat(),
        "duration": hhmm(session.ends_at - session.starts_at),
        "room": room_name(session.room),
        "slug": session_slug(session),
        "url": session_url(session),
        "title": localized(session, "title"),
        "subtitle": localized(session, "subtitle"),
        "track": localized(session.track, "name") if session.track else None,
        "type": session.kind,
        # One real ISO 639 code (a bilingual ko+en session: its first language, ko).
        "language": language_codes(session.language)[0],
        "abstract": localized(session, "abstract"),
        "description": localized(session, "description"),
        "do_not_record": session.do_not_record,
        "persons": [person(role.speaker) for role in session.speaker_roles],
        "links": [{"url": link["url"], "title": link["title"] or link["url"]}
                  for link in session.web_links],
    }


def event_days(event: Event, sessions: list[Session], zone: ZoneInfo) -> list[date]:
    days = {event.start_date + timedelta(days=n)
            for n in range((event.end_date - event.start_date).days + 1)}
    days.update(s.starts_at.astimezone(zone).date() for s in sessions)
    return sorted(days)


def frab_days(event: Event, sessions: list[Session], zone: ZoneInfo) -> list[dict]:
    by_day: dict[date, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    ordered = sorted(sessions, key=lambda s: (s.room.position if s.room else 10**6, s.starts_at))
    for session in ordered:
        day = session.starts_at.astimezone(zone).date()
        by_day[day][room_name(session.room)].append(frab_event(session, zone))
    days = []
    for index, day in enumerate(event_days(event, sessions, zone), start=1):
        days.append({
            "index": index,
            "date": day.isoformat(),
            "day_start": datetime.combine(day, time(0, 0), zone).isoformat(),
            "day_end": datetime.combine(day, time(23, 59), zone).isoformat(),
            "rooms": {name: events for name, events in by_day.get(day, {}).items()},
        })
    return days


def frab_rooms(event: Event, sessions: list[Session]) -> list[dict]:
    rooms = {s.room.id: s.room for s in sessions if s.room}
    if event.venue:
        rooms.update({room.id: room for room in event.venue.rooms})
    return [
        {"name": localized(room, "name"), "guid": guid(f"/rooms/{room.id}"),
         "capacity": room.capacity}
        for room in sorted(rooms.values(), key=lambda r: (r.position, r.id))
    ]


def frab_tracks(event: Event) -> list[dict]:
    tracks = []
    for track in event.tracks:
        item = {"name": localized(track, "name"),
                "slug": slugify(track.name_en, f"track-{track.id}")}
        if HEX_COLOR.match(track.color or ""):
            item["color"] = track.color
        tracks.append(item)
    return tracks


def schedule_version(event: Event) -> str:
    return feed_version(event)


def schedule_document(event: Event) -> dict:
    """The event's schedule as a C3VOC `schedule.json` document (cancelled sessions left out;
    the changelog says they were cancelled). Texts in the current language."""
    zone = ZoneInfo(event.timezone)
    sessions = queries.schedule_sessions(event, include_cancelled=False)
    conference = {
        "acronym": acronym(event),
        "title": localized(event, "name"),
        "description": localized(event, "description"),
        "start": event.start_date.isoformat(),
        "end": event.end_date.isoformat(),
        "daysCount": (event.end_date - event.start_date).days + 1,
        "timeslot_duration": TIMESLOT,
        "time_zone_name": event.timezone,
        "url": queries.absolute_url(f"/events/{event.slug}/"),
        "tracks": frab_tracks(event),
        "rooms": frab_rooms(event, sessions),
        "days": frab_days(event, sessions, zone),
    }
    return {
        "$schema": SCHEMA_URL,
        "generator": generator(),
        "schedule": {
            "version": schedule_version(event),
            "base_url": queries.absolute_url("/"),
            "conference": conference,
        },
    }


# ------------------------------------------------------------------------------- frab XML


def _text(parent: ET.Element, tag: str, value: object) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = "" if value is None else str(value)
    return element


def _xml_conference(parent: ET.Element, conference: dict, base_url: str) -> None:
    element = ET.SubElement(parent, "conference")
    for key in ("title", "acronym", "start", "end"):
        _text(element, key, conference[key])
    _text(element, "days", conference["daysCount"])
    _text(element, "timeslot_duration", conference["timeslot_duration"])
    _text(element, "base_url", base_url)
    _text(element, "url", conference["url"])
    _text(element, "time_zone_name", conference["time_zone_name"])
    for track in conference["tracks"]:
        attrs = {"name": track["name"]}
        if "color" in track:
            attrs["color"] = track["color"]
        if re.fullmatch(r"[a-z][a-z0-9-]+", track["slug"]):
            attrs["slug"] = track["slug"]
        ET.SubElement(element, "track", attrs)


def _xml_event(parent: ET.Element, event: dict) -> None:
    element = ET.SubElement(parent, "event", {"id": str(event["id"]), "guid": event["guid"]})
    for key in ("room", "title", "subtitle", "type", "date", "start", "duration", "abstract",
                "slug", "track", "language", "description", "url"):
        _text(element, key, event[key])
    persons = ET.SubElement(element, "persons")
    for item in event["persons"]:
        node = ET.SubElement(persons, "person", {"id": str(item["id"]), "guid": item["guid"]})
        node.text = item["name"]
    if event["do_not_record"]:
        recording = ET.SubElement(element, "recording")
        _text(recording, "license", "")
        _text(recording, "optout", "true")
    links = ET.SubElement(element, "links")
    for link in event["links"]:
        ET.SubElement(links, "link", {"href": link["url"]}).text = link["title"]


def schedule_xml(document: dict, url: str) -> bytes:
    """Encode a `schedule_document` as frab `schedule.xml`; `url` is where it is served."""
    schedule = document["schedule"]
    conference = schedule["conference"]
    root = ET.Element("schedule")
    ET.SubElement(root, "generator", document["generator"])
    _text(root, "url", url)
    _text(root, "version", schedule["version"])
    _xml_conference(root, conference, schedule["base_url"])
    for day in conference["days"]:
        day_el = ET.SubElement(root, "day", {
            "index": str(day["index"]), "date": day["date"],
            "start": day["day_start"], "end": day["day_end"],
        })
        for name, events in day["rooms"].items():
            room = next((r for r in conference["rooms"] if r["name"] == name), None)
            attrs = {"name": name, **({"guid": room["guid"]} if room else {})}
            room_el = ET.SubElement(day_el, "room", attrs)
            for event in events:
                _xml_event(room_el, event)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
