"""Schedule versions: publishing numbers the schedule and records what changed since the last.

Each `ScheduleVersion` keeps a compact snapshot of every session (times, room, title, a
fingerprint of the rest); the next publication diffs the live programme against it. The
changelog is public (`/events/<slug>/changes`) and the feeds carry the version number.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import sqlalchemy as sa

from festa.audit.services import record
from festa.core.transactions import transactional
from festa.errors import FestaError
from festa.extensions import db
from festa.program import queries
from festa.program.models import Event, ScheduleVersion, Session

NEW, MOVED, NEW_ROOM, CANCELLED, CHANGED = "new", "moved", "new_room", "cancelled", "changed"
CHANGE_KINDS = (NEW, MOVED, NEW_ROOM, CANCELLED, CHANGED)


def _fingerprint(session: Session) -> str:
    """What else a reader would notice: texts, kind, language, track, speakers, capacity."""
    content = [
        session.title_ko, session.title_en, session.abstract_ko, session.abstract_en,
        session.kind, session.language, session.track_id, session.capacity,
        [(r.speaker_id, r.role) for r in session.speaker_roles],
    ]
    return hashlib.sha256(json.dumps(content, default=str).encode()).hexdigest()[:16]


def snapshot_of(session: Session) -> dict[str, Any]:
    room = session.room
    return {
        "title_ko": session.title_ko,
        "title_en": session.title_en,
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "room_id": room.id if room else None,
        "room_ko": room.name_ko if room else "",
        "room_en": room.name_en if room else "",
        "cancelled": session.cancelled,
        "fingerprint": _fingerprint(session),
    }


def snapshot(event: Event) -> dict[str, dict]:
    """{session id (str, JSON keys): compact state} for every session of the event."""
    return {str(s.id): snapshot_of(s) for s in queries.schedule_sessions(event)}


def _entry(session_id: str, change: str, now: dict, **detail: Any) -> dict:
    titles = {"title_ko": now["title_ko"], "title_en": now["title_en"]}
    return {"session_id": int(session_id), "change": change, "detail": {**titles, **detail}}


def _compare(session_id: str, old: dict, new: dict) -> list[dict]:
    if new["cancelled"] and not old["cancelled"]:
        return [_entry(session_id, CANCELLED, new)]
    if new["cancelled"]:
        return []
    changes = []
    if old["cancelled"]:
        changes.append(_entry(session_id, NEW, new))
    if (old["starts_at"], old["ends_at"]) != (new["starts_at"], new["ends_at"]):
        changes.append(_entry(session_id, MOVED, new, from_start=old["starts_at"],
                              from_end=old["ends_at"], to_start=new["starts_at"],
                              to_end=new["ends_at"]))
    if old["room_id"] != new["room_id"]:
        changes.append(_entry(session_id, NEW_ROOM, new, from_room_ko=old["room_ko"],
                              from_room_en=old["room_en"], to_room_ko=new["room_ko"],
                              to_room_en=new["room_en"]))
    if old["fingerprint"] != new["fingerprint"] and not changes:
        changes.append(_entry(session_id, CHANGED, new))
    return changes


def diff(previous: dict[str, dict] | None, current: dict[str, dict]) -> list[dict]:
    """The changelog from one snapshot to the next ([] for the first publication)."""
    if previous is None:
        return []
    changes: list[dict] = []
    for session_id, now in current.items():
        before = previous.get(session_id)
        if before is None:
            if not now["cancelled"]:
                changes.append(_entry(session_id, NEW, now, starts_at=now["starts_at"]))
        else:
            changes.extend(_compare(session_id, before, now))
    for session_id, before in previous.items():
        if session_id not in current and not before["cancelled"]:
            changes.append(_entry(session_id, CANCELLED, before, deleted=True))
    return sorted(changes, key=lambda c: (CHANGE_KINDS.index(c["change"]), c["session_id"]))


def latest_version(event: Event) -> ScheduleVersion | None:
    return db.session.scalar(
        sa.select(ScheduleVersion).where(ScheduleVersion.event_id == event.id)
        .order_by(ScheduleVersion.number.desc()).limit(1)
    )


def event_versions(event: Event) -> list[ScheduleVersion]:
    """Every published version of the event, newest first."""
    return list(db.session.scalars(
        sa.select(ScheduleVersion).where(ScheduleVersion.event_id == event.id)
        .order_by(ScheduleVersion.number.desc())
    ))


def pending_changes(event: Event) -> list[dict] | None:
    """What publishing now would record; None when nothing was published yet."""
    last = latest_version(event)
    return diff(last.snapshot, snapshot(event)) if last else None


def feed_version(event: Event) -> str:
    """The version the feeds show: the published number ("3") while the programme is as
    published; with unpublished changes, the number and a digest of the live programme
    ("3+1a2b3c4d"), so schedule apps notice every change (they compare versions)."""
    last = latest_version(event)
    current = snapshot(event)
    number = last.number if last else event.schedule_version
    if last is not None and last.snapshot == current:
        return str(number)
    digest = hashlib.sha256(json.dumps(current, sort_keys=True).encode()).hexdigest()[:8]
    return f"{number}+{digest}"


@transactional
def publish_schedule(event: Event, user_id: int | None = None) -> ScheduleVersion:
    """Publish the schedule as the next numbered version and bump `event.schedule_version`.

    Refuses (`nothing_changed`) when the programme is the same as the last version.
    One transaction (it commits). Two organizers publishing at
    once cannot get the same number: (event, number) is unique.
    """
    db.session.refresh(event, with_for_update=True)
    last = latest_version(event)
    current = snapshot(event)
    if last is not None and last.snapshot == current:
        raise FestaError("nothing_changed",
                         f"Nothing changed since version {last.number}.", status=409)
    number = max(event.schedule_version, last.number if last else 0) + 1
    version = ScheduleVersion(
        event_id=event.id, number=number, published_by_id=user_id,
        changelog=diff(last.snapshot if last else None, current), snapshot=current,
    )
    db.session.add(version)
    event.schedule_version = number
    db.session.flush()
    record("schedule.publish", version, event_id=event.id, user_id=user_id,
           details={"number": number, "changes": len(version.changelog)})
    return version
