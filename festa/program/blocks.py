"""Breaks (public: lunch, coffee) and blockers (internal: set-up time) on the schedule.

Each block belongs to one room; "copy to all rooms" makes one per room of the event's
venue. Sessions over a block are flagged by `festa.program.conflicts` (overlaps_break).
Like the other programme services: check, change, audit, commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from festa.audit.services import record
from festa.extensions import db
from festa.program.editing import Problems
from festa.program.models import BlockKind, Event, Room, ScheduleBlock


def _check(event: Event, data: Mapping[str, Any], all_rooms: bool) -> list[Room]:
    """The rooms the block goes into (raises FestaError 422 naming the fields)."""
    problems = Problems()
    if data.get("kind") not in set(BlockKind):
        problems.add("unknown_kind", "kind", _("Choose a break or a blocker."))
    if not (data.get("title_ko") or data.get("title_en")):
        problems.add("missing_title", "title_en", _("Give it a title."))
    start, end = data.get("starts_at"), data.get("ends_at")
    if start is None or end is None or start.tzinfo is None or end.tzinfo is None:
        problems.add("missing_time", "starts_at", _("Enter a start and an end with a time "
                                                    "zone."))
    elif end <= start:
        problems.add("end_before_start", "ends_at", _("The end is not after the start."))
    rooms = list(event.venue.rooms) if event.venue else []
    if not all_rooms:
        rooms = [r for r in rooms if r.id == data.get("room_id")]
        if not rooms:
            problems.add("unknown_room", "room_id", _("Unknown room: choose a room of the "
                                                      "event's venue."))
    elif not rooms:
        problems.add("unknown_room", "room_id", _("The event's venue has no rooms yet."))
    problems.check()
    return rooms


def create_blocks(event: Event, data: Mapping[str, Any], *,
                  all_rooms: bool = False) -> list[ScheduleBlock]:
    """A break or blocker in `data["room_id"]`, or (`all_rooms`) the same one in every room
    of the venue. Commits."""
    rooms = _check(event, data, all_rooms)
    title_ko = data.get("title_ko") or data.get("title_en")
    title_en = data.get("title_en") or data.get("title_ko")
    blocks = [ScheduleBlock(event=event, room=room, kind=data["kind"], title_ko=title_ko,
                            title_en=title_en, starts_at=data["starts_at"],
                            ends_at=data["ends_at"]) for room in rooms]
    db.session.add_all(blocks)
    db.session.flush()
    for block in blocks:
        record("block.create", block, details={"kind": block.kind, "room_id": block.room_id,
                                               "starts_at": block.starts_at.isoformat(),
                                               "ends_at": block.ends_at.isoformat()})
    db.session.commit()
    return blocks


def delete_block(block: ScheduleBlock) -> None:
    """Take a break or blocker off the schedule. Commits."""
    record("block.delete", block, details={"kind": block.kind, "room_id": block.room_id,
                                           "title_en": block.title_en})
    db.session.delete(block)
    db.session.commit()
