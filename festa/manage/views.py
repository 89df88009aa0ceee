"""The organizers' back office: the dashboard; the other pages live in the modules imported
here (events, sessions, speakers, venues), all on the one `manage` blueprint."""

from flask import render_template
from flask_login import current_user

from festa.auth.services import organizer_required
from festa.manage import (  # noqa: F401  (the modules add their routes to `bp`)
    event_views,
    queries,
    schedule_views,
    session_views,
    speaker_views,
    team_views,
    venue_views,
)
from festa.manage.base import bp
from festa.program.conflicts import event_conflicts
from festa.program.queries import all_events

__all__ = ["bp"]


@bp.get("/")
@organizer_required
def index():
    """The organizer's dashboard: every event with its sessions, conflicts and registrations."""
    events = all_events(current_user)
    ids = [e.id for e in events]
    return render_template(
        "manage/program/index.html",
        events=events,
        session_counts=queries.session_counts(ids),
        registration_counts=queries.registration_counts(ids),
        conflict_counts={e.id: len(event_conflicts(e)) for e in events},
    )
