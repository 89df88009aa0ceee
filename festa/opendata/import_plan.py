"""What an import would do: the `ImportPlan` every parser fills, and the checks they share.

Parsing never touches the database's contents; it turns the upload into an `ImportPlan` of
plain rows (each with the line it came from) plus row-level errors and warnings. The
parsers (import_csv, import_frab) build plans with this module; festa.opendata.importer
picks the parser and keeps the plan for the preview; import_apply applies it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from festa.errors import FestaError
from festa.i18n import speaker_name
from festa.program.models import Event

COMPOUND_SURNAMES = ("남궁", "황보", "제갈", "선우", "독고", "사공", "서문")
HANGUL_NAME = re.compile(r"^[\uac00-\ud7a3]{2,5}$")


@dataclass
class ImportPlan:
    """What an upload would do. `rows` are sessions as plain data (times as ISO strings)."""

    source: str  # "csv", "frab" (schedule.json) or "frab-xml"
    filename: str = ""
    rows: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)  # {"line", "field", "message"}
    warnings: list[dict] = field(default_factory=list)
    # The file's own counts (sessions, rooms, speakers, tracks), shown beside the import's.
    file_counts: dict = field(default_factory=dict)
    # What a schedule file says about the conference (title, dates, time zone …).
    conference: dict = field(default_factory=dict)
    # The venue a CSV names (name_ko/_en, address_ko/_en); empty when it names none.
    venue: dict = field(default_factory=dict)

    def error(self, line: int, column: str, message: str) -> None:
        self.errors.append({"line": line, "field": column, "message": message})

    def warn(self, line: int, column: str, message: str) -> None:
        self.warnings.append({"line": line, "field": column, "message": message})

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


class ImportFailed(FestaError):
    """The import was refused; `errors` name the lines. Nothing was saved."""

    def __init__(self, errors: list[dict]) -> None:
        first = errors[0]
        super().__init__("import_failed", f"line {first['line']}, {first['field']}: "
                         f"{first['message']}", status=422)
        self.errors = errors


# ------------------------------------------------------------------------------- names


def name_key(text: str) -> str:
    """How names are matched (rooms, tracks, venues, speakers): spacing and case ignored."""
    return " ".join(text.split()).casefold()


def _split_family_first(text: str) -> tuple[str, str]:
    if "," in text:
        family, given = (part.strip() for part in text.split(",", 1))
        return family, given
    parts = text.split()
    return parts[0], " ".join(parts[1:])


def _split_hangul(text: str) -> tuple[str, str]:
    surname_length = 2 if text[:2] in COMPOUND_SURNAMES and len(text) > 3 else 1
    return text[:surname_length], text[surname_length:]


def _split_given_first(text: str) -> tuple[str, str]:
    if "," in text:
        return _split_family_first(text)
    parts = text.split()
    return parts[-1], " ".join(parts[:-1])


def split_name(name_ko: str, name_en: str) -> dict[str, Any]:
    """A speaker's name fields from how the programme writes them.

    "Family, Given" is always explicit. Otherwise a Korean name written in Hangul without
    a space ("오세훈", English "Oh Se-hoon") is family name first; any other name ("Jerry
    Kaplan", "제리 캐플런") is given name first, family name last.
    """
    name_ko, name_en = name_ko.strip() or name_en.strip(), name_en.strip() or name_ko.strip()
    if HANGUL_NAME.match(name_ko):
        family_ko, given_ko = _split_hangul(name_ko)
        family_en, given_en = _split_family_first(name_en)
        given_first = False
    else:
        family_ko, given_ko = _split_given_first(name_ko)
        family_en, given_en = _split_given_first(name_en)
        given_first = "," not in name_ko and bool(given_ko or given_en)
    return {"family_name_ko": family_ko, "given_name_ko": given_ko,
            "family_name_en": family_en, "given_name_en": given_en,
            "given_name_first": given_first, "name_ko": name_ko, "name_en": name_en}


def display_names(fields: dict) -> tuple[str, str]:
    """(Korean, English) display names of speaker fields, to match existing speakers."""
    probe = type("Probe", (), fields)
    return speaker_name(probe, "ko"), speaker_name(probe, "en")


# ------------------------------------------------------------------------------- checks


def check_row(plan: ImportPlan, row: dict, event: Event) -> None:
    """Checks every format shares: titles, times, capacity, dates inside the event."""
    line = row["line"]
    if not (row["title_ko"] or row["title_en"]):
        plan.error(line, "title", _("A title is required (Korean or English)."))
    for key in ("title_ko", "title_en"):
        if len(row[key]) > 300:
            plan.error(line, key, _("At most %(count)d characters.", count=300))
    starts, ends = row.get("starts_at"), row.get("ends_at")
    if starts and ends and datetime.fromisoformat(ends) <= datetime.fromisoformat(starts):
        plan.error(line, "end", _("The end is not after the start."))
    if starts:
        day = datetime.fromisoformat(starts).astimezone(ZoneInfo(event.timezone)).date()
        if not event.start_date <= day <= event.end_date:
            plan.warn(line, "date", _("%(day)s is outside the event's dates.",
                                      day=day.isoformat()))
    for key in ("room", "track"):
        names = row.get(key) or {}
        if len(names.get("ko", "")) > 200 or len(names.get("en", "")) > 200:
            plan.error(line, key, _("At most %(count)d characters.", count=200))
