"""`festa programme import`: the import page's preview and import, for operators and scripts.

The same parsers, the same rehearsal (applied, then rolled back) for exact counts, the same
all-or-nothing import. A schedule.json or schedule.xml creates its event from the file's
conference data when the slug is new; re-running with the same file changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from festa.core.transactions import rehearsal
from festa.errors import FestaError
from festa.extensions import db
from festa.opendata import importer, versions
from festa.opendata.import_apply import apply_plan
from festa.opendata.import_plan import ImportFailed, ImportPlan
from festa.program.editing import create_event, set_published
from festa.program.models import Event


@dataclass
class ProgrammeImport:
    """What an import did (or, without `apply`, would do)."""

    event_created: bool = False
    summary: dict | None = None
    warnings: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    published: int | None = None  # the schedule version published, if any


def _conference_event(slug: str, filename: str, data: bytes,
                      timezone: str | None) -> tuple[Event | None, list[dict]]:
    """A new event from the file's conference data (title, description, first and last
    day, zone). Schedule files name no organizer, country or currency: the event claims
    none until an organizer sets them (the JSON-LD leaves them out meanwhile)."""
    if not filename.lower().endswith((".json", ".xml")) and data.lstrip()[:1] not in b"{[<":
        return None, [{"line": 1, "field": "event",
                       "message": f"No event “{slug}”; only a schedule.json or schedule.xml "
                                  "can create one."}]
    # Read the conference with a provisional event that accepts every day.
    provisional = Event(slug=slug, timezone=timezone or "Asia/Seoul",
                        start_date=date.min, end_date=date.max)
    plan = importer.parse_upload(filename, data, provisional)
    facts = plan.conference
    if not facts:
        return None, plan.errors or [{"line": 1, "field": "conference",
                                      "message": "The file names no conference."}]
    title = facts.get("title") or slug
    try:
        event = create_event({
            "slug": slug, "name_ko": title, "name_en": title,
            "description_ko": facts.get("description", ""),
            "description_en": facts.get("description", ""),
            "start_date": date.fromisoformat(facts["start"][:10]),
            "end_date": date.fromisoformat(facts["end"][:10]),
            "timezone": timezone or facts.get("time_zone_name") or "Asia/Seoul",
        })
    except (ValueError, KeyError):
        return None, [{"line": 1, "field": "conference",
                       "message": "The conference's start and end dates are missing."}]
    except FestaError as error:
        return None, [{"line": 1, "field": name, "message": "; ".join(messages)}
                      for name, messages in (error.fields or {"event": [error.message]}).items()]
    return event, []


def _run(slug: str, filename: str, data: bytes, timezone: str | None) -> ProgrammeImport:
    result = ProgrammeImport()
    event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
    if event is None:
        event, result.errors = _conference_event(slug, filename, data, timezone)
        if event is None:
            return result
        result.event_created = True
    plan: ImportPlan = importer.parse_upload(filename, data, event)
    result.warnings = plan.warnings
    if not plan.rows and not plan.errors:
        plan.error(1, "file", "The file holds no sessions.")
    try:
        result.summary = apply_plan(plan, event)
    except ImportFailed as failure:
        result.errors = failure.errors
    return result


def import_programme(slug: str, filename: str, data: bytes, timezone: str | None = None,
                     apply: bool = False, publish: bool = False) -> ProgrammeImport:
    """Preview (rolled back) or, with `apply`, import the file into event `slug`; with
    `publish` too, publish the schedule and the event afterwards."""
    with rehearsal():
        preview = _run(slug, filename, data, timezone)
    if not apply or preview.errors:
        return preview
    result = _run(slug, filename, data, timezone)
    if result.errors or not publish:
        return result
    event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
    try:
        result.published = versions.publish_schedule(event).number
    except FestaError as error:
        if error.code != "nothing_changed":
            raise
    set_published(event, True)
    return result
