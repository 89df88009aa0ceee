"""What the schedule editor page loads: the event's rooms, days, tracks, every session
(unscheduled ones too), breaks and blockers, and the conflicts — one JSON document, built
from already loaded objects in a constant number of queries.

Times are given in the event's time zone as a day and minutes since midnight, so the
page's script only does arithmetic; each day carries its UTC offset for the PATCH body.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import url_for

from festa.hangul import matches
from festa.i18n import format_day, localized, speaker_name
from festa.manage.session_forms import KIND_LABELS
from festa.program import conflicts as conflict_checks
from festa.program.models import Event, Room, ScheduleBlock, Session
from festa.program.presentation import event_days
from festa.program.queries import event_blocks, schedule_sessions
from festa.registration.notices import notify_counts

# The grid's hours when no room says when it opens or closes.
DEFAULT_OPENS, DEFAULT_CLOSES = 8 * 60, 20 * 60
RESOLUTIONS = (5, 15, 30, 60)


def _minutes(value: time | None, default: int) -> int:
    return default if value is None else value.hour * 60 + value.minute


def _local(value: datetime, zone: ZoneInfo) -> tuple[str, int]:
    local = value.astimezone(zone)
    return local.date().isoformat(), local.hour * 60 + local.minute


def _placed(starts_at: datetime | None, ends_at: datetime | None, zone: ZoneInfo) -> dict:
    if starts_at is None:
        return {"day": None, "from": None, "to": None}
    day, start = _local(starts_at, zone)
    minutes = int((ends_at - starts_at).total_seconds() // 60)
    return {"day": day, "from": start, "to": start + minutes}


def _offset(day: date, zone: ZoneInfo) -> str:
    """"+09:00": the zone's UTC offset at noon of that day."""
    return datetime.combine(day, time(12), zone).isoformat()[-6:]


def room_view(room: Room) -> dict:
    return {"id": room.id, "name": localized(room, "name"), "capacity": room.capacity,
            "opens": _minutes(room.opens_at, DEFAULT_OPENS),
            "closes": _minutes(room.closes_at, 24 * 60) if room.closes_at else DEFAULT_CLOSES,
            "parallel": room.parallel_sessions,
            "has_hours": room.opens_at is not None or room.closes_at is not None}


def session_view(session: Session, zone: ZoneInfo, notify: int) -> dict:
    minutes = 30
    if session.scheduled:
        minutes = int((session.ends_at - session.starts_at).total_seconds() // 60)
    return {
        "id": session.id, "title": localized(session, "title"), "kind": session.kind,
        "kind_label": str(KIND_LABELS.get(session.kind, session.kind)),
        "track_id": session.track_id, "room_id": session.room_id, "minutes": minutes,
        "version": session.version, "cancelled": session.cancelled,
        "seats_taken": session.seats_taken, "notify": notify,
        "speakers": ", ".join(speaker_name(r.speaker) for r in session.speaker_roles),
        "speaker_ids": [r.speaker_id for r in session.speaker_roles],
        "edit_url": url_for("manage.session_edit", session_id=session.id),
        **_placed(session.starts_at, session.ends_at, zone),
    }


def block_view(block: ScheduleBlock, zone: ZoneInfo) -> dict:
    return {"id": block.id, "kind": block.kind, "title": localized(block, "title"),
            "room_id": block.room_id, **_placed(block.starts_at, block.ends_at, zone)}


def conflict_view(conflict: conflict_checks.Conflict) -> dict:
    return {"code": conflict.code, "message": conflict.message, "hard": conflict.hard,
            "session_id": conflict.session.id,
            "other_id": conflict.other.id if conflict.other is not None and
            conflict.other.event_id == conflict.session.event_id else None}


def editor_state(event: Event) -> dict:
    """Everything the editor draws, in the current language."""
    zone = ZoneInfo(event.timezone)
    sessions = schedule_sessions(event, include_unscheduled=True)
    rooms = list(event.venue.rooms) if event.venue else []
    blocks = event_blocks(event)
    found = conflict_checks.event_conflicts(event, sessions)
    notify = notify_counts(sessions)
    return {
        "event": {"id": event.id, "slug": event.slug, "timezone": event.timezone,
                  "published": event.published},
        "days": [{"date": d.isoformat(), "label": format_day(d, "medium"),
                  "offset": _offset(d, zone)} for d in event_days(event)],
        "rooms": [room_view(r) for r in rooms],
        "tracks": [{"id": t.id, "name": localized(t, "name"), "color": t.color}
                   for t in event.tracks],
        "kinds": [{"value": str(k), "label": str(label)} for k, label in KIND_LABELS.items()],
        "sessions": [session_view(s, zone, notify.get(s.id, 0)) for s in sessions],
        "blocks": [block_view(b, zone) for b in blocks],
        "conflicts": [conflict_view(c) for c in found],
    }


def search_sessions(event: Event, query: str) -> list[int]:
    """Ids of the event's sessions whose title (either language) or speakers match `query`,
    초성 included ("ㄱㅈㅇㅅ" finds 기조연설): the same matching as the public schedule."""
    found = []
    for session in schedule_sessions(event, include_unscheduled=True):
        texts = [session.title_ko, session.title_en,
                 *(speaker_name(r.speaker, lang) for r in session.speaker_roles
                   for lang in ("ko", "en"))]
        if any(matches(query, text) for text in texts):
            found.append(session.id)
    return found
