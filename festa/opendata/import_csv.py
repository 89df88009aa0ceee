"""The programme as CSV: one session per row, the same columns the programme export writes.

Times are wall-clock times in the event's time zone. Speakers are separated by ';' in the
same order in both languages. An `id` updates that session of the event; without one, a
session with the same title and start is updated, anything else is added.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from festa.core.cells import undo_defuse
from festa.core.inputs import storable
from festa.opendata.import_plan import ImportPlan, check_row, split_name
from festa.program.models import Event, SessionKind, SessionLanguage

COLUMNS = ("id", "date", "start", "end", "title_ko", "title_en", "kind", "language",
           "room_ko", "room_en", "track_ko", "track_en", "speakers_ko", "speakers_en",
           "capacity", "reservation_required", "cancelled", "abstract_ko", "abstract_en")
REQUIRED = ("date", "start", "end")
TRUE = {"1", "yes", "y", "true", "o", "예", "네"}
FALSE = {"", "0", "no", "n", "false", "x", "아니오", "아니요"}
MAX_ROWS = 2000


def template_rows() -> list[list[str]]:
    """The downloadable template: the header and two example rows."""
    return [
        list(COLUMNS),
        ["", "2025-02-11", "10:00", "10:40", "서울 AI 7대 전략", "Seoul's seven AI strategies",
         "keynote", "ko", "그랜드볼룸", "Grand Ballroom", "인재", "Talent", "오세훈",
         "Oh Se-hoon", "", "no", "no", "", ""],
        ["", "2025-02-11", "11:00", "11:50", "특별 대담", "Special dialogue", "dialogue",
         "ko+en", "그랜드볼룸", "Grand Ballroom", "", "", "오세훈; 제리 캐플런",
         "Oh Se-hoon; Jerry Kaplan", "", "no", "no", "", ""],
    ]


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


def _choice(plan: ImportPlan, line: int, column: str, value: str, allowed, default: str) -> str:
    value = value.strip().lower() or default
    if value not in {str(a) for a in allowed}:
        plan.error(line, column, _("Use one of: %(values)s", values=", ".join(map(str, allowed))))
    return value


def _int(plan: ImportPlan, line: int, column: str, value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()):
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


def parse_row(plan: ImportPlan, line: int, raw: dict, zone: ZoneInfo) -> dict:
    # As stored: NFC, without control characters (abstracts keep their line breaks).
    value = {name: storable(undo_defuse(raw.get(name) or ""),
                            multiline=name.startswith("abstract"))
             for name in COLUMNS}
    for name in REQUIRED:
        if not value[name].strip():
            plan.error(line, name, _("This column is required."))
    has_times = all(value[name].strip() for name in REQUIRED)
    return {
        "line": line,
        "id": _int(plan, line, "id", value["id"]),
        "title_ko": value["title_ko"].strip() or value["title_en"].strip(),
        "title_en": value["title_en"].strip() or value["title_ko"].strip(),
        "abstract_ko": value["abstract_ko"].strip(),
        "abstract_en": value["abstract_en"].strip(),
        "kind": _choice(plan, line, "kind", value["kind"], list(SessionKind), "talk"),
        "language": _choice(plan, line, "language", value["language"], list(SessionLanguage),
                            "ko"),
        "starts_at": _time(plan, line, "start", value["date"], value["start"], zone)
        if has_times else None,
        "ends_at": _time(plan, line, "end", value["date"], value["end"], zone)
        if has_times else None,
        "room": _names(value["room_ko"], value["room_en"]),
        "track": _names(value["track_ko"], value["track_en"]),
        "speakers": _speakers(plan, line, value["speakers_ko"], value["speakers_en"]),
        "capacity": _int(plan, line, "capacity", value["capacity"]),
        "reservation_required": _flag(plan, line, "reservation_required",
                                      value["reservation_required"]),
        "cancelled": _flag(plan, line, "cancelled", value["cancelled"]),
    }


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
        row = parse_row(plan, line, dict(zip(header, cells, strict=False)), zone)
        check_row(plan, row, event)
        plan.rows.append(row)
