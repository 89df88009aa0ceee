"""The schedule editor: the programme built on a rooms × time grid by dragging cards
(or with the keyboard). Moves go through `PATCH /api/v1/events/{slug}/sessions/{id}`;
these views serve the page, its data, the 초성-aware search, and breaks and blockers."""

from __future__ import annotations

from datetime import datetime

from flask import abort, jsonify, render_template, request

from festa.auth.services import organizer_required
from festa.auth.teams import scoped_or_404
from festa.manage.base import bp
from festa.manage.schedule_editor import RESOLUTIONS, editor_state, search_sessions
from festa.program import blocks as block_services
from festa.program.models import Event, ScheduleBlock


@bp.get("/events/<int:event_id>/schedule/editor")
@organizer_required
def schedule_editor(event_id: int):
    """The editor page; its script loads the data and draws the grid."""
    event = scoped_or_404(Event, event_id)
    return render_template("manage/program/schedule_editor.html", event=event,
                           resolutions=RESOLUTIONS)


@bp.get("/events/<int:event_id>/schedule/editor/data")
@organizer_required
def schedule_editor_data(event_id: int):
    """Rooms, days, tracks, sessions (with versions), breaks and conflicts as JSON."""
    return jsonify(editor_state(scoped_or_404(Event, event_id)))


@bp.get("/events/<int:event_id>/schedule/editor/search")
@organizer_required
def schedule_editor_search(event_id: int):
    """Ids of the sessions matching `q` (titles and speakers, 초성 included)."""
    event = scoped_or_404(Event, event_id)
    return jsonify(ids=search_sessions(event, request.args.get("q", "")))


def _aware(value: object) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


@bp.post("/events/<int:event_id>/schedule/blocks")
@organizer_required
def schedule_block_create(event_id: int):
    """Add a break or blocker (JSON: kind, title_ko, title_en, start, end, room_id,
    all_rooms); answers the blocks made."""
    event = scoped_or_404(Event, event_id)
    data = request.get_json(silent=True) or {}
    values = {"kind": data.get("kind"), "title_ko": str(data.get("title_ko") or "").strip(),
              "title_en": str(data.get("title_en") or "").strip(),
              "starts_at": _aware(data.get("start")), "ends_at": _aware(data.get("end")),
              "room_id": data.get("room_id")}
    made = block_services.create_blocks(event, values, all_rooms=bool(data.get("all_rooms")))
    return jsonify(ids=[b.id for b in made]), 201


@bp.delete("/events/<int:event_id>/schedule/blocks/<int:block_id>")
@organizer_required
def schedule_block_delete(event_id: int, block_id: int):
    """Remove a break or blocker."""
    block = scoped_or_404(ScheduleBlock, block_id)
    if block.event_id != event_id:
        abort(404)
    block_services.delete_block(block)
    return jsonify(deleted=block_id)


