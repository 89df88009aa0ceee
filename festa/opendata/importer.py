"""Importing a programme: parse (CSV or C3VOC schedule.json) → preview → apply, all or nothing.

The upload becomes an `ImportPlan` (festa.opendata.import_plan) by the parser its format
needs. The plan is stored server-side under a random key (instance/imports/, bound to the
organizer and the event) while the organizer looks at the preview. Applying it
(import_apply) runs every row through the programme's services (validation, audit,
sequence bumps) in one transaction: the first refusal raises `ImportFailed` with the line,
and everything is rolled back.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import asdict
from pathlib import Path

from flask import current_app

from festa.core.files import private_dir, write_private
from festa.opendata import import_csv, import_frab, import_frab_xml
from festa.opendata.import_plan import ImportFailed, ImportPlan
from festa.program.models import Event

__all__ = ["ImportFailed", "ImportPlan", "discard_plan", "load_plan", "parse_upload",
           "save_plan"]

PLAN_LIFETIME = 24 * 3600


# ------------------------------------------------------------------------------- storage


def _store() -> Path:
    return private_dir(Path(current_app.instance_path) / "imports")


def _forget_old(now: float) -> None:
    for old in _store().glob("*.json"):
        if now - old.stat().st_mtime > PLAN_LIFETIME:
            old.unlink(missing_ok=True)


def save_plan(plan: ImportPlan, user_id: int, event_id: int) -> str:
    """Keep the parsed upload for the preview; returns the key the confirm form sends back."""
    _forget_old(time.time())
    key = secrets.token_urlsafe(18)
    record = {"user_id": user_id, "event_id": event_id, "plan": asdict(plan)}
    write_private(_store() / f"{key}.json", json.dumps(record, ensure_ascii=False).encode())
    return key


def load_plan(key: str, user_id: int, event_id: int) -> ImportPlan | None:
    """The stored plan if the key is this organizer's for this event (and not expired)."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{10,64}", key or ""):
        return None
    path = _store() / f"{key}.json"
    if not path.exists() or time.time() - path.stat().st_mtime > PLAN_LIFETIME:
        return None
    record = json.loads(path.read_text())
    if record["user_id"] != user_id or record["event_id"] != event_id:
        return None
    return ImportPlan(**record["plan"])


def discard_plan(key: str) -> None:
    if re.fullmatch(r"[A-Za-z0-9_-]{10,64}", key or ""):
        (_store() / f"{key}.json").unlink(missing_ok=True)


def parse_upload(filename: str, data: bytes, event: Event) -> ImportPlan:
    """Pick the format from the name or the content: JSON (C3VOC), frab XML or CSV."""
    name, head = filename.lower(), data.lstrip()[:1]
    if name.endswith(".json") or head in (b"{", b"["):
        plan = import_frab.parse(data, event)
    elif name.endswith(".xml") or head == b"<":
        plan = import_frab_xml.parse(data, event)
    else:
        plan = import_csv.parse(data, event)
    plan.filename = filename
    return plan
