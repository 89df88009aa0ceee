"""Moving a session on the schedule: new time, room, length, or back to unscheduled.

The schedule editor and `PATCH /api/v1/events/{slug}/sessions/{id}` both call
`move_session`. It is safe with two organizers at once: the caller sends the version it
saw, and one conditional UPDATE both checks and bumps it (`sequence`), so a change based
on a stale version is refused (`stale_version`, 409) instead of overwriting a colleague's.
Conflicts are the ones of `festa.program.conflicts` (the forms use the same): warnings are
returned, hard rules refuse the move (422 with the reason). Every move is audited, and
`festa.signals.session_moved` lets registration tell the attendees who hold a seat.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from festa import signals
from festa.audit.services import record
from festa.errors import FestaError
from festa.extensions import db
from festa.program.conflicts import Conflict
from festa.program.editing import apply_changes
from festa.program.models import Session
from festa.program.sessions import check_draft, refuse_hard_conflicts, session_values

MOVE_FIELDS = ("starts_at", "ends_at", "room_id")


class StaleVersion(FestaError):
    """The session changed since the caller loaded it; `current` is how it is now."""

    def __init__(self, current: Session, status: int = 409) -> None:
        super().__init__("stale_version", _("Someone else changed this session in the "
                                            "meantime (now version %(version)d). Reload it and "
                                            "try again.", version=current.version),
                         status=status)
        self.current = current


@dataclass
class Move:
    """What `move_session` did: the session as saved, what changed, the warnings left."""

    session: Session
    changes: dict[str, list]
    warnings: list[Conflict]


def move_values(session: Session, data: Mapping[str, Any]) -> dict:
    """The time and room after the move; leaving the schedule (no start and no end) also
    leaves the room, unless a room is given."""
    values = {name: data.get(name, getattr(session, name)) for name in MOVE_FIELDS}
    unscheduling = data.get("starts_at", 0) is None and data.get("ends_at", 0) is None
    if unscheduling and "room_id" not in data:
        values["room_id"] = None
    return values


def _claim_version(session: Session, version: int, status: int) -> None:
    """Check and bump the version in one statement (it also locks the row until commit)."""
    claimed = db.session.execute(
        sa.update(Session)
        .where(Session.id == session.id, Session.sequence == version)
        .values(sequence=Session.sequence + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        db.session.rollback()
        db.session.refresh(session)
        raise StaleVersion(session, status)
    session.sequence = version + 1  # what the UPDATE wrote; keeps the loaded copy in step


def _refuse_unscheduling_reserved(session: Session, values: dict) -> None:
    if values["starts_at"] is None and session.scheduled and session.seats_taken:
        raise FestaError("session_has_reservations",
                         _("%(count)d people hold a seat in this session: it cannot leave the "
                           "schedule. Move it or cancel it instead.",
                           count=session.seats_taken), status=422)


def move_session(session: Session, data: Mapping[str, Any], *, version: int,
                 stale_status: int = 409, by: int | None = None) -> Move:
    """Give `session` the `starts_at`, `ends_at` and `room_id` in `data` (missing ones stay)
    if `version` is still its version. Commits. Raises `StaleVersion` (409, or
    `stale_status`: the API answers a stale `If-Match` with 412), `FestaError` 422 for
    invalid values or a hard rule. `by`: the acting user's id (else the logged-in one)."""
    _claim_version(session, version, stale_status)
    values = move_values(session, data)
    checked = session_values(session.event, values, session)  # 422 naming the fields
    _refuse_unscheduling_reserved(session, values)
    found = check_draft(session.event, checked, session)
    if values["room_id"] != session.room_id:
        refuse_hard_conflicts(found)
    changes = apply_changes(session, {name: checked[name] for name in MOVE_FIELDS})
    if changes:
        db.session.flush()
        db.session.expire(session, ["room"])  # follow the new room_id
        record("session.move", session, user_id=by,
               details={"changes": changes, "version": session.version})
        signals.send(signals.session_moved, session, changes=changes)
    else:
        db.session.rollback()  # nothing moved: the version stays as it was
        db.session.refresh(session)
    db.session.commit()
    return Move(session, changes, [c for c in found if not c.hard])
