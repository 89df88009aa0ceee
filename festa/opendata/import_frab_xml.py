"""Reading a frab `schedule.xml` (frab, pretalx, wafer and many archives publish it) into
the same shape as a schedule.json, so one importer (import_frab) handles both."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from flask_babel import gettext as _

from festa.opendata.import_frab import parse_conference
from festa.opendata.import_plan import ImportPlan
from festa.program.models import Event

# A programme is small; anything this deep or entity-laden is not a schedule.
FORBIDDEN = (b"<!DOCTYPE", b"<!ENTITY")


def _text(element: ET.Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _event(element: ET.Element) -> dict:
    item: dict = {key: _text(element.find(key)) for key in (
        "date", "start", "duration", "room", "slug", "url", "title", "subtitle", "track",
        "type", "language", "abstract", "description", "logo", "recording_license",
        "feedback_url", "origin_url")}
    item["id"] = element.get("id") or ""
    item["guid"] = element.get("guid") or ""
    item["persons"] = [{"name": _text(p), "id": p.get("id"), "guid": p.get("guid")}
                       for p in element.iterfind("persons/person")]
    item["links"] = [{"url": link.get("href") or "", "title": _text(link)}
                     for link in element.iterfind("links/link")]
    item["attachments"] = [a.get("href") for a in element.iterfind("attachments/attachment")]
    optout = _text(element.find("recording/optout"))
    item["do_not_record"] = optout.lower() == "true" or _text(element.find("do_not_record"))
    return item


def load_xml(plan: ImportPlan, data: bytes) -> dict | None:
    """The XML as a C3VOC `conference` dict, or None with the reason as an error."""
    if any(marker in data[:4096] for marker in FORBIDDEN):
        plan.error(1, "file", _("The XML declares a DOCTYPE or entities; export it again."))
        return None
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        plan.error(error.position[0], "file", _("Not an XML file: %(error)s", error=str(error)))
        return None
    conference = root.find("conference")
    if root.tag != "schedule" or conference is None:
        plan.error(1, "schedule", _("Not a schedule.xml: <schedule><conference> is missing."))
        return None
    facts = {child.tag: _text(child) for child in conference if child.tag != "track"}
    facts["tracks"] = [{"name": t.get("name") or _text(t), "color": t.get("color") or ""}
                       for t in conference.iterfind("track")]
    days = []
    for day in root.iterfind("day"):
        rooms = {}
        for room in day.iterfind("room"):
            rooms.setdefault(room.get("name") or "", []).extend(
                _event(e) for e in room.iterfind("event"))
        days.append({"date": day.get("date"), "day_start": day.get("start"),
                     "day_end": day.get("end"), "rooms": rooms})
    facts["days"] = days
    return facts


def parse(data: bytes, event: Event) -> ImportPlan:
    """Read a schedule.xml into a plan (sessions numbered in file order)."""
    plan = ImportPlan(source="frab-xml")
    conference = load_xml(plan, data)
    if conference is None:
        return plan
    return parse_conference(plan, conference, event)
