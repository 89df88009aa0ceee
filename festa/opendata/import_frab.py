"""Importing a C3VOC/frab `schedule.json` (pretalx, frab and others), leniently.

Real exports do not always validate (the rC3 pretalx file has extra keys and slugs the
schema forbids), so this reads only what it needs and reports what it cannot use per
session. Each session's "line" is its position in the file (1, 2, …) since JSON has no
meaningful lines for people; the preview shows the session's title next to it.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _

from festa.core.inputs import InputError, in_date_range, load_json, storable
from festa.opendata.import_plan import ImportPlan, check_row, split_name
from festa.program.models import Event, SessionKind, SessionLanguage

DURATION = re.compile(r"^(\d{1,3}):(\d{2})(?::(\d{2}))?$")
HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _kind(value: object) -> str:
    text = value.lower() if isinstance(value, str) else ""
    for kind in (SessionKind.KEYNOTE, SessionKind.WORKSHOP, SessionKind.PANEL,
                 SessionKind.DIALOGUE):
        if kind in text:
            return kind
    return SessionKind.TALK


def _language(value: object) -> str:
    text = value.lower() if isinstance(value, str) else ""
    has_ko, has_en = "ko" in text, "en" in text
    if has_ko and has_en:
        return SessionLanguage.BOTH
    return SessionLanguage.KO if has_ko else SessionLanguage.EN


def _duration(value: object) -> timedelta | None:
    match = DURATION.match(str(value or "").strip())
    if not match:
        return None
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return timedelta(hours=hours, minutes=minutes, seconds=seconds)


def _start(item: dict, day: dict, zone: ZoneInfo) -> datetime | None:
    """`date` (ISO with offset) when present, else the day's date and `start` (HH:MM);
    None when neither gives a plausible time."""
    moment = _raw_start(item, day, zone)
    return moment if moment is not None and in_date_range(moment) else None


def _raw_start(item: dict, day: dict, zone: ZoneInfo) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(item.get("date") or ""))
        return moment if moment.tzinfo else moment.replace(tzinfo=zone)
    except ValueError:
        pass
    try:
        day_date = date.fromisoformat(str(day.get("date") or ""))
        clock = time.fromisoformat(str(item.get("start") or ""))
    except ValueError:
        return None
    return datetime.combine(day_date, clock, zone)


def _end(item: dict, start: datetime) -> datetime | None:
    try:
        end = datetime.fromisoformat(str(item.get("end") or ""))
        if end.tzinfo and in_date_range(end):
            return end
    except ValueError:
        pass
    duration = _duration(item.get("duration"))
    return start + duration if duration else None


def _person_name(person: object) -> str:
    if isinstance(person, dict):
        person = person.get("name") or person.get("public_name")
    return storable(person) if isinstance(person, str) else ""


def _text(item: dict, key: str, multiline: bool = False) -> str:
    """A string field as it is stored (NFC, no control characters); "" if not a string."""
    value = item.get(key)
    return storable(value, multiline=multiline) if isinstance(value, str) else ""


def parse_item(plan: ImportPlan, line: int, item: dict, day: dict, ctx: dict) -> dict:
    title = _text(item, "title")
    subtitle = _text(item, "subtitle")
    full_title = f"{title}: {subtitle}" if title and subtitle else title
    abstract = "\n\n".join(p for p in (_text(item, "abstract", multiline=True),
                                        _text(item, "description", multiline=True)) if p)
    language = _language(item.get("language"))
    start = _start(item, day, ctx["zone"])
    end = _end(item, start) if start else None
    if start is None:
        plan.error(line, "date", _("No usable start time (date or start)."))
    elif end is None:
        plan.error(line, "duration", _("No usable duration (HH:MM) or end."))
    room = _text(item, "room") or ctx["room"]
    track = _text(item, "track")
    persons = item.get("persons") if isinstance(item.get("persons"), list) else []
    names = [n for n in (_person_name(p) for p in persons) if n]
    return {
        "line": line,
        "id": None,
        "title_ko": full_title,
        "title_en": full_title,
        "abstract_ko": abstract,
        "abstract_en": abstract,
        "kind": _kind(item.get("type")),
        "language": language,
        "starts_at": start.isoformat() if start else None,
        "ends_at": end.isoformat() if end else None,
        "room": {"ko": room, "en": room} if room else None,
        "track": ({"ko": track, "en": track, "color": ctx["colors"].get(track)}
                  if track else None),
        "speakers": [split_name(n, n) for n in names],
        "capacity": None,
        "reservation_required": False,
        "cancelled": False,
    }


def _conference(plan: ImportPlan, data: bytes) -> dict | None:
    try:
        document = load_json(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, InputError) as error:
        plan.error(1, "file", _("Not a JSON file: %(error)s", error=str(error)))
        return None
    schedule = document.get("schedule") if isinstance(document, dict) else None
    conference = schedule.get("conference") if isinstance(schedule, dict) else None
    if not isinstance(conference, dict) or not isinstance(conference.get("days"), list):
        plan.error(1, "schedule", _("Not a schedule.json: schedule.conference.days is missing."))
        return None
    return conference


def _context(conference: dict, event: Event) -> dict:
    try:
        zone = ZoneInfo(str(conference.get("time_zone_name") or event.timezone))
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(event.timezone)
    colors = {}
    tracks = conference.get("tracks")
    for track in tracks if isinstance(tracks, list) else []:
        if isinstance(track, dict) and HEX_COLOR.match(str(track.get("color") or "")):
            colors[str(track.get("name") or "")] = track["color"]
    return {"zone": zone, "colors": colors, "room": ""}


def parse(data: bytes, event: Event) -> ImportPlan:
    """Read a schedule.json into a plan (sessions numbered in file order)."""
    plan = ImportPlan(source="frab")
    conference = _conference(plan, data)
    if conference is None:
        return plan
    ctx = _context(conference, event)
    line = 0
    for day in conference["days"]:
        rooms = day.get("rooms") if isinstance(day, dict) else None
        if not isinstance(rooms, dict):
            plan.error(line + 1, "rooms", _("A day's rooms must be an object of room names."))
            continue
        for room_name, items in rooms.items():
            ctx["room"] = storable(room_name)
            for item in items if isinstance(items, list) else []:
                line += 1
                if not isinstance(item, dict):
                    plan.error(line, "event", _("Not a session object."))
                    continue
                row = parse_item(plan, line, item, day, ctx)
                check_row(plan, row, event)
                plan.rows.append(row)
    if not plan.rows and not plan.errors:
        plan.error(1, "schedule", _("The schedule has no sessions."))
    return plan
