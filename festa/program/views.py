"""The public programme: events, schedule, sessions and speakers."""

from __future__ import annotations

import functools
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, render_template, request, session
from flask_login import current_user
from markupsafe import Markup

from festa.extensions import db
from festa.program import presentation, queries, schedule_cache
from festa.program.models import Session, SessionKind, Speaker

bp = Blueprint("program", __name__)


@bp.app_template_global()
def date_range(start, end) -> str:
    return presentation.date_range(start, end)


@bp.app_template_global()
def local_iso(value, tz: str = "Asia/Seoul") -> str:
    """ISO 8601 in the event's zone, for <time datetime="…">: 2027-03-11T10:00:00+09:00."""
    return value.astimezone(ZoneInfo(tz)).isoformat()


@bp.app_template_global()
def short_day(value, tz: str = "Asia/Seoul") -> str:
    return presentation.short_day(value, tz)


@bp.get("/")
def index():
    """Current and upcoming events first, then past ones."""
    now = queries.clock()
    upcoming, past = queries.split_by_date(
        queries.published_events(), now.astimezone(ZoneInfo("Asia/Seoul")).date()
    )
    states = {e.id: presentation.registration_state(e, now) for e in upcoming + past}
    featured = upcoming[0] if upcoming else None
    sessions = queries.schedule_sessions(featured, include_cancelled=False) if featured else []
    return render_template("program/index.html", upcoming=upcoming, past=past, states=states,
                           featured=featured, **presentation.front_page_sessions(sessions))


@bp.get("/events/<slug>/")
def event(slug: str):
    """An event's overview: description, dates, venue, tracks and the call to register."""
    event = queries.published_event_or_404(slug)
    now = queries.clock()
    sessions = queries.schedule_sessions(event, include_cancelled=False)
    highlights = [s for s in sessions if s.kind in (SessionKind.KEYNOTE, SessionKind.DIALOGUE)]
    speakers = {r.speaker_id for s in sessions for r in s.speaker_roles}
    return render_template(
        "program/event.html", event=event, state=presentation.registration_state(event, now),
        highlights=highlights, session_count=len(sessions), speaker_count=len(speakers),
        days=presentation.event_days(event),
    )


@bp.get("/events/<slug>/schedule")
def schedule(slug: str):
    """The schedule: a rooms × time grid per day on wide screens, a time-ordered list on
    phones (same markup), filtered by day, track, language, kind and a Hangul-aware search.

    The page's body is the same for everyone asking with the same filters, so it comes
    from the render cache (festa.program.schedule_cache). The frame around it is too for a
    visitor who is not logged in and has no message waiting: the whole page then comes
    from the cache, compressed as the browser accepts; otherwise the frame (who is logged
    in, their form token, their messages) is rendered for the request."""
    head = schedule_cache.published_schedule(slug)
    # The event itself only to render, or to check a track or language asked for.
    event = functools.cache(lambda: queries.published_event_or_404(slug))
    now = queries.clock()
    filters = presentation.ScheduleFilters.from_args(request.args, head, event)
    start, end = queries.event_bounds(head)
    during = start <= now <= end

    def frame(body: str, shared: bool) -> str:
        return render_template("program/schedule_page.html", event=event(), body=Markup(body),
                               shared_frame=shared)

    shared_frame = "_flashes" not in session and not current_user.is_authenticated
    return schedule_cache.schedule_page(
        head.programme, filters, now if during else None,
        lambda: _render_schedule_body(event(), filters, now, during), frame, shared_frame)


def _render_schedule_body(event, filters: presentation.ScheduleFilters, now, during: bool
                          ) -> bytes:
    sessions = queries.schedule_sessions(event)
    running, upcoming = presentation.now_and_next(sessions, now) if during else ([], [])
    grids = presentation.schedule_days(event, sessions, filters, now)
    blocks = queries.event_blocks(event, public_only=True)
    zone, room_count = ZoneInfo(event.timezone), len(event.venue.rooms) if event.venue else 0
    return render_template(
        "program/schedule.html", event=event, filters=filters, grids=grids,
        breaks={g.day: presentation.day_breaks(blocks, g.day, zone, room_count) for g in grids},
        days=presentation.event_days(event), during=during,
        now_ids={s.id for s in running}, next_ids={s.id for s in upcoming},
        running=running, upcoming=upcoming, now=now,
        kinds=list(SessionKind), languages=presentation.event_languages(sessions),
    ).encode()


@bp.get("/events/<slug>/sessions/<int:session_id>")
def session_page(slug: str, session_id: int):
    """One session: time in the event's zone, room, track, speakers, abstract, seats."""
    event = queries.published_event_or_404(slug)
    session = db.session.get(Session, session_id)
    if session is None or session.event_id != event.id or not session.scheduled:
        abort(404)
    return render_template(
        "program/session.html", event=event, session=session,
        state=presentation.registration_state(event, queries.clock()),
        day=presentation.local_day(session, ZoneInfo(event.timezone)),
    )


@bp.get("/events/<slug>/speakers")
def speakers(slug: str):
    """Everyone on stage at the event, sorted by family name."""
    event = queries.published_event_or_404(slug)
    return render_template(
        "program/speakers.html", event=event, speakers=queries.event_speakers(event)
    )


@bp.get("/events/<slug>/speakers/<int:speaker_id>")
def speaker(slug: str, speaker_id: int):
    """A speaker's page with their sessions at this event."""
    event = queries.published_event_or_404(slug)
    person = db.session.get(Speaker, speaker_id)
    sessions = sorted(
        (r.session for r in person.session_roles
         if r.session.event_id == event.id and r.session.scheduled)
        if person else (),
        key=lambda s: s.starts_at,
    )
    if not sessions:
        abort(404)
    return render_template("program/speaker.html", event=event, speaker=person,
                           sessions=sessions)
