"""Importing a C3VOC/frab `schedule.json` (frab, pretalx and others, current and legacy),
leniently, keeping everything Festa can hold and saying what it could not.

Real exports do not always validate (the rC3 pretalx file has extra keys and slugs the
schema forbids), so this reads what it can and reports, per session, every value it
dropped, guessed or changed. Each session's "line" is its position in the file (1, 2, …)
since JSON has no meaningful lines for people; the preview shows the session's title next
to it. frab XML (`schedule.xml`) is read into the same shape by import_frab_xml.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _

from festa.core.inputs import InputError, in_date_range, load_json, storable
from festa.i18n import LANGUAGE_TAG
from festa.opendata.import_plan import ImportPlan, check_row, name_key, split_name
from festa.program.models import Event, SessionKind

DURATION = re.compile(r"^(\d{1,3}):(\d{2})(?::(\d{2}))?$")
HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
# Keys of a session that Festa has no place for: reported when they carry a value.
NOT_KEPT = ("logo", "attachments", "recording_license", "answers", "feedback_url",
            "video_download_url", "origin_url")
KINDS = {SessionKind.KEYNOTE: ("keynote",), SessionKind.WORKSHOP: ("workshop", "tutorial"),
         SessionKind.PANEL: ("panel", "podium"), SessionKind.DIALOGUE: ("dialogue",),
         SessionKind.TALK: ("talk", "lecture", "vortrag")}


def _text(item: dict, key: str, multiline: bool = False) -> str:
    """A string field as it is stored (NFC, no control characters); "" if not a string."""
    value = item.get(key)
    return storable(value, multiline=multiline) if isinstance(value, str) else ""


def _kind(plan: ImportPlan, line: int, value: object) -> str:
    text = str(value or "").strip()
    lowered = text.lower()
    for kind, words in KINDS.items():
        if any(word in lowered for word in words):
            return kind
    if text:
        plan.warn(line, "type", _("Kind “%(value)s” is not one of Festa's; shown as a talk.",
                                  value=text))
    return SessionKind.TALK


def _language(plan: ImportPlan, line: int, value: object) -> str:
    """The language code as the file gives it (de, en, pt-BR …); never rewritten to another
    language. Case is normalised (DE → de); a missing or unreadable one is English, said."""
    text = str(value or "").strip()
    primary, _sep, rest = text.replace("_", "-").partition("-")
    code = primary.lower() + (f"-{rest}" if rest else "")
    if LANGUAGE_TAG.match(code):
        if code != text:
            plan.warn(line, "language", _("Language “%(given)s” stored as “%(code)s”.",
                                          given=text, code=code))
        return code
    plan.warn(line, "language", _("No usable language (“%(given)s”); English assumed.",
                                  given=text))
    return "en"


def _duration(value: object) -> timedelta | None:
    if isinstance(value, int) and value > 0:  # some generators give minutes
        return timedelta(minutes=value)
    match = DURATION.match(str(value or "").strip())
    if not match:
        return None
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return timedelta(hours=hours, minutes=minutes, seconds=seconds)


def _aware(text: str, zone: ZoneInfo) -> datetime | None:
    """An ISO time in the zone when naive; None unless plausible (years 2000 … 2099)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=zone)
    return moment if in_date_range(moment) else None


def _clock(text: str) -> time | None:
    try:
        return time.fromisoformat(text)
    except ValueError:
        return None


def _day_change(day_date: date, day_start: datetime | None, day_end: datetime | None,
                ctx: dict) -> time | None:
    """The clock time before which a session of this day is on the next date. A frab day
    runs past midnight to its end (its `day_change`, e.g. 04:00): a day ending at 04:00
    the next morning puts 00:30 on the next date, while 10:00 stays on the day's date even
    when the day's first slot is 11:30 (32C3's wiki sessions start before it). Without an
    end: the file's day_change, else the day's start."""
    zone = ctx["zone"]
    if day_end is not None:
        local = day_end.astimezone(zone)
        return local.time() if local.date() > day_date else None
    if ctx["day_change"]:
        return ctx["day_change"]
    return day_start.astimezone(zone).time() if day_start is not None else None


def _start(item: dict, day: dict, ctx: dict) -> datetime | None:
    """The session's `date` (ISO with offset) when present. Otherwise the day's clock time
    `start` on the day's date, or on the next date before the day changes (_day_change)."""
    zone = ctx["zone"]
    moment = _aware(_text(item, "date"), zone)
    if moment is not None:
        return moment
    clock = _clock(_text(item, "start"))
    if clock is None:
        return None
    day_start = _aware(str(day.get("day_start") or day.get("start") or ""), zone)
    day_end = _aware(str(day.get("day_end") or day.get("end") or ""), zone)
    if day_start is not None:
        day_date = day_start.astimezone(zone).date()
    else:
        try:
            day_date = date.fromisoformat(str(day.get("date") or ""))
        except ValueError:
            return None
    candidate = datetime.combine(day_date, clock, zone)
    change = _day_change(day_date, day_start, day_end, ctx)
    return candidate + timedelta(days=1) if change is not None and clock < change else candidate


def _end(item: dict, start: datetime, zone: ZoneInfo) -> datetime | None:
    end = _aware(_text(item, "end"), zone)
    if end is not None and end > start:
        return end
    duration = _duration(item.get("duration"))
    return start + duration if duration else None


def _public_name(name: str) -> dict[str, Any]:
    """Name fields of a frab/pretalx public name, which is written as shown ("Ing.
    Brigitte Lutz, MSc"): a comma there starts a suffix such as a degree, not the
    "Family, Given" of a CSV, so the name is displayed exactly as the file gives it."""
    head, comma, tail = name.partition(",")
    if not comma:
        return split_name(name, name)
    words = head.split()
    family, given = (words[-1] + comma + tail, " ".join(words[:-1])) if len(words) > 1 else (
        name, "")
    return {"family_name_ko": family, "given_name_ko": given, "family_name_en": family,
            "given_name_en": given, "given_name_first": bool(given), "name_ko": name,
            "name_en": name}


def _person(person: object) -> dict | None:
    """Name (public_name, name or legacy full_public_name), biography and the file's
    identity of one person; None when it has no name."""
    if isinstance(person, str):
        person = {"name": person}
    if not isinstance(person, dict):
        return None
    name = next((storable(person[k]) for k in ("public_name", "name", "full_public_name")
                 if isinstance(person.get(k), str) and storable(person[k])), "")
    if not name:
        return None
    bio = next((storable(person[k], multiline=True)
                for k in ("biography", "abstract", "description")
                if isinstance(person.get(k), str) and person[k].strip()), "")
    identity = next((str(person[k]) for k in ("guid", "code", "id")
                     if person.get(k) not in (None, "")), "")
    fields = _public_name(name)
    fields.update(bio_ko=bio, bio_en=bio, source_key=identity[:200])
    return fields


def _links(value: object) -> list[dict]:
    links = []
    for link in value if isinstance(value, list) else []:
        if isinstance(link, str) and link.strip():
            links.append({"url": link.strip(), "title": ""})
        elif isinstance(link, dict) and str(link.get("url") or link.get("href") or "").strip():
            links.append({"url": str(link.get("url") or link.get("href")).strip(),
                          "title": str(link.get("title") or "").strip()})
    return links


def _flag(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return bool(value)


def _dropped(plan: ImportPlan, line: int, item: dict) -> None:
    kept_nowhere = [key for key in NOT_KEPT if item.get(key) not in (None, "", [], {})]
    if kept_nowhere:
        plan.warn(line, ", ".join(kept_nowhere), _("Not imported (Festa has no place for it)."))


def parse_item(plan: ImportPlan, line: int, item: dict, day: dict, ctx: dict) -> dict:
    title = _text(item, "title")
    start = _start(item, day, ctx)
    end = _end(item, start, ctx["zone"]) if start else None
    if start is None:
        plan.error(line, "date", _("No usable start time (date or start)."))
    elif end is None:
        plan.error(line, "duration", _("No usable duration (HH:MM) or end."))
    room = _text(item, "room") or ctx["room"]
    track = _text(item, "track")
    persons = item.get("persons") if isinstance(item.get("persons"), list) else []
    speakers = [p for p in (_person(p) for p in persons) if p]
    if len(speakers) < len(persons):
        plan.warn(line, "persons", _("%(count)d persons without a name were left out.",
                                     count=len(persons) - len(speakers)))
    _dropped(plan, line, item)
    subtitle = _text(item, "subtitle")
    abstract, description = (_text(item, k, multiline=True) for k in ("abstract", "description"))
    identity = next((str(item[k]) for k in ("guid", "code", "id")
                     if item.get(k) not in (None, "")), "")
    return {
        "line": line,
        "id": None,
        "source_key": identity[:200],
        "title_ko": title,
        "title_en": title,
        "subtitle_ko": subtitle,
        "subtitle_en": subtitle,
        "abstract_ko": abstract,
        "abstract_en": abstract,
        "description_ko": description,
        "description_en": description,
        "kind": _kind(plan, line, item.get("type")),
        "language": _language(plan, line, item.get("language")),
        "starts_at": start.isoformat() if start else None,
        "ends_at": end.isoformat() if end else None,
        "room": {"ko": room, "en": room} if room else None,
        "track": ({"ko": track, "en": track, "color": ctx["colors"].get(track)}
                  if track else None),
        "speakers": speakers,
        "links": _links(item.get("links")),
        "do_not_record": _flag(item.get("do_not_record")),
        "capacity": None,
        "reservation_required": False,
        "cancelled": False,
    }


def load_conference(plan: ImportPlan, data: bytes) -> dict | None:
    """The document's `schedule.conference`, or None with the reason as an error."""
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


def _tracks(conference: dict) -> list:
    """The conference's track list; anything else in that field (a number, a string)
    is ignored, as the sessions name their tracks themselves."""
    tracks = conference.get("tracks")
    return tracks if isinstance(tracks, list) else []


def _context(plan: ImportPlan, conference: dict, event: Event) -> dict:
    named = str(conference.get("time_zone_name") or "")
    try:
        zone = ZoneInfo(named or event.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        plan.warn(1, "time_zone_name", _("Unknown time zone “%(zone)s”; the event's is used.",
                                         zone=named))
        zone = ZoneInfo(event.timezone)
    colors = {}
    for track in _tracks(conference):
        if isinstance(track, dict) and HEX_COLOR.match(str(track.get("color") or "")):
            colors[str(track.get("name") or "")] = track["color"]
    change = _clock(str(conference.get("day_change") or ""))
    return {"zone": zone, "colors": colors, "room": "", "day_change": change}


def conference_facts(conference: dict) -> dict[str, Any]:
    """What the file says about the conference itself (to create an event from it)."""
    facts = {key: str(conference.get(key) or "") for key in
             ("acronym", "title", "start", "end", "time_zone_name", "url", "base_url")}
    description = conference.get("description")
    facts["description"] = storable(description, multiline=True) if isinstance(
        description, str) else ""
    return facts


def _shared_identities(plan: ImportPlan) -> None:
    """A person id the file gives to differently named persons identifies no one (C3VOC's
    merged 32C3 schedule gives every person of the wiki's sessions id 0): those persons
    are matched by name instead of becoming one speaker, and the preview says so."""
    names: dict[str, set[str]] = {}
    first_line: dict[str, int] = {}
    for row in plan.rows:
        for person in row["speakers"]:
            if person["source_key"]:
                names.setdefault(person["source_key"], set()).add(name_key(person["name_en"]))
                first_line.setdefault(person["source_key"], row["line"])
    shared = {key for key, found in names.items() if len(found) > 1}
    for row in plan.rows:
        for person in row["speakers"]:
            if person["source_key"] in shared:
                person["source_key"] = ""
    for key in sorted(shared, key=first_line.__getitem__):
        plan.warn(first_line[key], "persons", _(
            "Person id “%(id)s” is given to %(count)d different names; those persons are "
            "matched by name.", id=key, count=len(names[key])))


def parse_conference(plan: ImportPlan, conference: dict, event: Event) -> ImportPlan:
    """Fill the plan from a conference in the C3VOC shape (sessions in file order)."""
    plan.conference = conference_facts(conference)
    ctx = _context(plan, conference, event)
    line = 0
    rooms = set()
    tracks = {str(t.get("name")) for t in _tracks(conference) if isinstance(t, dict)}
    for day in conference["days"]:
        day_rooms = day.get("rooms") if isinstance(day, dict) else None
        if not isinstance(day_rooms, dict):
            plan.error(line + 1, "rooms", _("A day's rooms must be an object of room names."))
            continue
        for room_name, items in day_rooms.items():
            ctx["room"] = storable(str(room_name))
            rooms.add(ctx["room"])
            for item in items if isinstance(items, list) else []:
                line += 1
                if not isinstance(item, dict):
                    plan.error(line, "event", _("Not a session object."))
                    continue
                row = parse_item(plan, line, item, day, ctx)
                check_row(plan, row, event)
                plan.rows.append(row)
                if row["track"]:
                    tracks.add(row["track"]["en"])
    _shared_identities(plan)
    people = {p["source_key"] or p["name_en"] for row in plan.rows for p in row["speakers"]}
    plan.file_counts = {"sessions": line, "rooms": len(rooms), "speakers": len(people),
                        "tracks": len(tracks - {""})}
    if not plan.rows and not plan.errors:
        plan.error(1, "schedule", _("The schedule has no sessions."))
    return plan


def parse(data: bytes, event: Event) -> ImportPlan:
    """Read a schedule.json into a plan."""
    plan = ImportPlan(source="frab")
    conference = load_conference(plan, data)
    if conference is None:
        return plan
    return parse_conference(plan, conference, event)
