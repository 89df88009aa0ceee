"""The programme as CSV: one session per row, the same columns the programme export writes.

Times are wall-clock times in the event's time zone. Speakers are separated by ';' in the
same order in both languages. An `id` that is a session of this event updates it; an id of
another event (a file exported there) is ignored, and such a row, like one without an id,
updates the session with the same title and start, or is added. The columns after
`abstract_en` carry the rest of what the export writes (end date past midnight, subtitle,
description, links, do_not_record, track colour, room capacity, venue and address, the
rooms' and tracks' order), so a
programme exported from one event imports into another unchanged. Optional columns a file
does not have leave those values as they are.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from festa.core.cells import undo_defuse
from festa.core.inputs import MAX_ID, storable
from festa.i18n import is_language, localized
from festa.opendata.import_plan import ImportPlan, check_row, name_key, split_name
from festa.program.editing import COLOR_PATTERN
from festa.program.models import Event, SessionKind

# The first nineteen are the original columns, in their order; later ones only ever added
# at the end, so spreadsheets made for the older template keep working.
COLUMNS = ("id", "date", "start", "end", "title_ko", "title_en", "kind", "language",
           "room_ko", "room_en", "track_ko", "track_en", "speakers_ko", "speakers_en",
           "capacity", "reservation_required", "cancelled", "abstract_ko", "abstract_en",
           "end_date", "subtitle_ko", "subtitle_en", "description_ko", "description_en",
           "links", "do_not_record", "track_color", "room_capacity",
           "venue_ko", "venue_en", "venue_address_ko", "venue_address_en",
           "room_position", "track_position")
REQUIRED = ("date", "start", "end")
MULTILINE = ("abstract_ko", "abstract_en", "description_ko", "description_en", "links")
# Session fields taken only when the file has their column (else the session keeps its own).
OPTIONAL = ("subtitle_ko", "subtitle_en", "description_ko", "description_en")
TRUE = {"1", "yes", "y", "true", "o", "예", "네"}
FALSE = {"", "0", "no", "n", "false", "x", "아니오", "아니요"}
MAX_ROWS = 2000


def template_rows() -> list[list[str]]:
    """The downloadable template: the header and two example rows."""
    examples = [
        ["", "2025-02-11", "10:00", "10:40", "서울 AI 7대 전략", "Seoul's seven AI strategies",
         "keynote", "ko", "그랜드볼룸", "Grand Ballroom", "인재", "Talent", "오세훈",
         "Oh Se-hoon", "", "no", "no", "", ""],
        ["", "2025-02-11", "11:00", "11:50", "특별 대담", "Special dialogue", "dialogue",
         "ko+en", "그랜드볼룸", "Grand Ballroom", "", "", "오세훈; 제리 캐플런",
         "Oh Se-hoon; Jerry Kaplan", "", "no", "no", "", ""],
    ]
    return [list(COLUMNS), *(row + [""] * (len(COLUMNS) - len(row)) for row in examples)]


def decode(data: bytes) -> str | None:
    """UTF-8 (with or without BOM, as Excel writes it), else CP949 (Korean Excel)."""
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _flag(plan: ImportPlan, line: int, column: str, value: str) -> bool:
    value = value.strip().lower()
    if value in TRUE:
        return True
    if value not in FALSE:
        plan.error(line, column, _("Write yes or no."))
    return False


def _time(plan: ImportPlan, line: int, column: str, day: str, value: str,
          zone: ZoneInfo) -> str | None:
    try:
        moment = datetime.strptime(f"{day.strip()} {value.strip()}", "%Y-%m-%d %H:%M")
    except ValueError:
        plan.error(line, column, _("Write the date as YYYY-MM-DD and the time as HH:MM."))
        return None
    return moment.replace(tzinfo=zone).isoformat()


def _language(plan: ImportPlan, line: int, value: str) -> str:
    """ko, en, ko+en or any ISO 639 code (de, pt-BR), as the export writes them."""
    text = value.strip() or "ko"
    primary, sep, rest = text.partition("-")
    code = primary.lower() + sep + rest
    if not is_language(code):
        plan.error(line, "language", _("Use ko, en, ko+en or a language code such as de."))
    return code


def _links(text: str) -> list[dict]:
    """One link a line: the address, then optionally its title after a space."""
    links = []
    for entry in text.splitlines():
        url, _sep, title = entry.strip().partition(" ")
        if url:
            links.append({"url": url, "title": title.strip()})
    return links


def _color(plan: ImportPlan, line: int, value: str) -> str | None:
    value = value.strip()
    if value and not re.fullmatch(COLOR_PATTERN, value):
        plan.error(line, "track_color", _("Use a colour such as #3355aa."))
    return value or None


def _choice(plan: ImportPlan, line: int, column: str, value: str, allowed, default: str) -> str:
    value = value.strip().lower() or default
    if value not in {str(a) for a in allowed}:
        plan.error(line, column, _("Use one of: %(values)s", values=", ".join(map(str, allowed))))
    return value


def _int(plan: ImportPlan, line: int, column: str, value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    # Beyond PostgreSQL's integer no capacity or id exists: refused here, not by the database.
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_ID:
        plan.error(line, column, _("Write a whole number (0 or more)."))
        return None
    return int(value)


def _speakers(plan: ImportPlan, line: int, ko: str, en: str) -> list[dict]:
    names_ko = [n.strip() for n in ko.split(";") if n.strip()]
    names_en = [n.strip() for n in en.split(";") if n.strip()]
    if names_ko and names_en and len(names_ko) != len(names_en):
        plan.error(line, "speakers_en", _("List as many speakers in English as in Korean."))
        return []
    names_ko, names_en = names_ko or names_en, names_en or names_ko
    return [split_name(k, e) for k, e in zip(names_ko, names_en, strict=True)]


def _names(ko: str, en: str) -> dict | None:
    ko, en = ko.strip(), en.strip()
    return {"ko": ko or en, "en": en or ko} if (ko or en) else None


def _end_day(value: dict) -> str:
    return value["end_date"].strip() or value["date"]


# What a row may say about its room and track: (place, key, column).
PLACE_FIELDS = (("room", "capacity", "room_capacity"), ("room", "position", "room_position"),
                ("track", "color", "track_color"), ("track", "position", "track_position"))


def _place(plan: ImportPlan, line: int, value: dict) -> dict:
    """Room (with its capacity and place in the grid) and track (with its colour and place
    in the list) as the row names them; what a cell leaves empty is not set."""
    places = {"room": _names(value["room_ko"], value["room_en"]),
              "track": _names(value["track_ko"], value["track_en"])}
    for kind, key, column in PLACE_FIELDS:
        given = (_color(plan, line, value[column]) if key == "color"
                 else _int(plan, line, column, value[column]))
        if places[kind] and given is not None:
            places[kind][key] = given
    return places


def parse_row(plan: ImportPlan, line: int, raw: dict, zone: ZoneInfo, header: set[str]) -> dict:
    # As stored: NFC, without control characters (abstracts keep their line breaks).
    value = {name: storable(undo_defuse(raw.get(name) or ""), multiline=name in MULTILINE)
             for name in COLUMNS}
    for name in REQUIRED:
        if not value[name].strip():
            plan.error(line, name, _("This column is required."))
    has_times = all(value[name].strip() for name in REQUIRED)
    row = {
        "line": line,
        "id": _int(plan, line, "id", value["id"]),
        "title_ko": value["title_ko"].strip() or value["title_en"].strip(),
        "title_en": value["title_en"].strip() or value["title_ko"].strip(),
        "abstract_ko": value["abstract_ko"].strip(),
        "abstract_en": value["abstract_en"].strip(),
        "kind": _choice(plan, line, "kind", value["kind"], list(SessionKind), "talk"),
        "language": _language(plan, line, value["language"]),
        "starts_at": _time(plan, line, "start", value["date"], value["start"], zone)
        if has_times else None,
        "ends_at": _time(plan, line, "end", _end_day(value), value["end"], zone)
        if has_times else None,
        **_place(plan, line, value),
        "speakers": _speakers(plan, line, value["speakers_ko"], value["speakers_en"]),
        "capacity": _int(plan, line, "capacity", value["capacity"]),
        "reservation_required": _flag(plan, line, "reservation_required",
                                      value["reservation_required"]),
        "cancelled": _flag(plan, line, "cancelled", value["cancelled"]),
    }
    row.update({name: value[name].strip() for name in OPTIONAL if name in header})
    _check_lengths(plan, line, value)
    if "links" in header:
        row["links"] = _links(value["links"])
    if "do_not_record" in header:
        row["do_not_record"] = _flag(plan, line, "do_not_record", value["do_not_record"])
    _venue(plan, line, value)
    return row


# What the database holds of the columns the shared checks (import_plan) do not cover.
LENGTHS = {"subtitle_ko": 300, "subtitle_en": 300, "venue_ko": 200, "venue_en": 200,
           "venue_address_ko": 300, "venue_address_en": 300}


def _check_lengths(plan: ImportPlan, line: int, value: dict) -> None:
    for name, limit in LENGTHS.items():
        if len(value[name]) > limit:
            plan.error(line, name, _("At most %(count)d characters.", count=limit))


def _venue(plan: ImportPlan, line: int, value: dict) -> None:
    """The file's venue (one per file): the first row naming one gives it."""
    names = _names(value["venue_ko"], value["venue_en"])
    if not names:
        return
    venue = {"name_ko": names["ko"], "name_en": names["en"],
             "address_ko": value["venue_address_ko"].strip(),
             "address_en": value["venue_address_en"].strip()}
    if not plan.venue:
        plan.venue = venue
    elif venue != plan.venue:
        plan.warn(line, "venue_ko", _("One venue per file: this line's venue is ignored "
                                      "(the first one named is used)."))


def _same_place(plan: ImportPlan) -> None:
    """A room has one capacity and position and a track one colour and position: the first
    row that gives one decides, and a later row that says otherwise is pointed out."""
    seen: dict[tuple[str, str, str], object] = {}
    for row in plan.rows:
        for kind, key, column in PLACE_FIELDS:
            place = row[kind]
            if not place or key not in place:
                continue
            first = seen.setdefault((kind, key, name_key(place["en"] or place["ko"])),
                                    place[key])
            if first != place[key]:
                plan.warn(row["line"], column, _("%(name)s already has %(value)s on an earlier "
                                                 "line; this line's value is ignored.",
                                                 name=place["en"] or place["ko"], value=first))
                place[key] = first


def _check_venue(plan: ImportPlan, event: Event) -> None:
    """Rooms always go into the event's venue: say so when the file names another one."""
    venue = event.venue
    if not plan.venue or venue is None:
        return
    ours = {name_key(venue.name_ko), name_key(venue.name_en)}
    if not ours & {name_key(plan.venue["name_ko"]), name_key(plan.venue["name_en"])}:
        plan.warn(1, "venue_ko", _("The file's venue “%(file)s” is not this event's venue "
                                   "“%(ours)s”; its rooms are added to “%(ours)s”.",
                                   file=localized(SimpleNamespace(**plan.venue), "name"),
                                   ours=localized(venue, "name")))


def _check_header(plan: ImportPlan, header: list[str]) -> bool:
    missing = [name for name in REQUIRED if name not in header]
    if "title_ko" not in header and "title_en" not in header:
        missing.append("title_ko/title_en")
    if missing:
        plan.error(1, ", ".join(missing), _("Missing columns in the first line."))
        return False
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:
        plan.warn(1, ", ".join(unknown), _("Unknown columns are ignored."))
    return True


def parse(data: bytes, event: Event) -> ImportPlan:
    """Read a CSV upload into a plan; every problem is reported with its line number."""
    plan = ImportPlan(source="csv")
    text = decode(data)
    if text is None:
        plan.error(1, "file", _("The file is not UTF-8 text. Save it as CSV UTF-8."))
        return plan
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        _read_rows(plan, reader, event)
    except csv.Error:
        # The csv module's limit (128 KiB per cell) or a broken quote: say where it stopped.
        plan.error(reader.line_num or 1, "file",
                   _("A cell is too large (over 128 KiB) or its quotes are not closed."))
    if not plan.rows and not plan.errors:
        plan.error(2, "file", _("The file has no sessions."))
    return plan


def _read_rows(plan: ImportPlan, reader, event: Event) -> None:
    header = [h.strip().lower() for h in next(reader, [])]
    if not _check_header(plan, header):
        return
    zone = ZoneInfo(event.timezone)
    previous_end = reader.line_num
    for cells in reader:
        # A quoted cell may span lines: the row starts just after the previous one ended.
        line, previous_end = previous_end + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(plan.rows) >= MAX_ROWS:
            plan.error(line, "file", _("At most %(count)d sessions per upload.", count=MAX_ROWS))
            break
        row = parse_row(plan, line, dict(zip(header, cells, strict=False)), zone,
                        set(header))
        check_row(plan, row, event)
        plan.rows.append(row)
    _same_place(plan)
    _check_venue(plan, event)
