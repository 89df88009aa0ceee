"""Manage events, their tracks, publication and conflicts."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from festa.auth.services import organizer_required
from festa.auth.teams import scoped_or_404
from festa.i18n import localized
from festa.manage import queries
from festa.manage.base import bp
from festa.manage.forms import EventForm, PublishForm, TrackForm
from festa.manage.session_forms import KIND_LABELS
from festa.program import conflicts as conflict_checks
from festa.program import editing as services
from festa.program.models import Event, Track
from festa.program.queries import all_events, schedule_sessions
from festa.web.views import confirm_delete, form_page, run_service


@bp.get("/events/")
@organizer_required
def events():
    """Every event, drafts included, with how many sessions each has."""
    rows = all_events(current_user)
    counts = queries.session_counts(e.id for e in rows)
    return render_template("manage/program/events.html", events=rows, session_counts=counts)


@bp.route("/events/new", methods=["GET", "POST"])
@organizer_required
def event_new():
    """Create an event (as a draft)."""
    form = EventForm(venues=queries.all_venues())
    return form_page(form, lambda: services.create_event(form.model_data(),
                                                       current_user._get_current_object()),
                     lambda event: url_for("manage.event", event_id=event.id),
                     title=_("New event"), back=url_for("manage.events"),
                     message=_("Event created as a draft."),
                     check=lambda: services.event_values(form.model_data()))


@bp.get("/events/<int:event_id>/")
@organizer_required
def event(event_id: int):
    """The event's manage page: status, counts, conflicts, tracks and sessions."""
    event = scoped_or_404(Event, event_id)
    sessions = schedule_sessions(event, include_unscheduled=True)
    found = conflict_checks.event_conflicts(event, sessions)
    per_session: dict[int, int] = {}
    for conflict in found:
        for session in (conflict.session, conflict.other):
            if session is not None and session.event_id == event.id:
                per_session[session.id] = per_session.get(session.id, 0) + 1
    return render_template(
        "manage/program/event.html", event=event, sessions=sessions, conflicts=found,
        conflict_counts=conflict_checks.count_by_code(found), per_session=per_session,
        registrations=queries.registration_counts([event.id]).get(event.id, 0),
        kind_labels=KIND_LABELS, publish_form=PublishForm(),
    )


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@organizer_required
def event_edit(event_id: int):
    """Edit the event's details."""
    event = scoped_or_404(Event, event_id)
    form = EventForm(obj=event, venues=queries.all_venues())
    back = url_for("manage.event", event_id=event.id)
    return form_page(form, lambda: services.update_event(event, form.model_data()), back,
                     title=_("Edit event"), back=back, subject=localized(event, "name"),
                     check=lambda: services.event_values(form.model_data(), event))


@bp.route("/events/<int:event_id>/delete", methods=["GET", "POST"])
@organizer_required
def event_delete(event_id: int):
    """Delete an event and its programme (asks first)."""
    event = scoped_or_404(Event, event_id)
    return confirm_delete(localized(event, "name"), url_for("manage.event", event_id=event.id),
                          lambda: services.delete_event(event), url_for("manage.events"))


@bp.post("/events/<int:event_id>/publish")
@organizer_required
def event_publish(event_id: int):
    """Publish the event (published=1) or take it back to draft (published=0)."""
    event = scoped_or_404(Event, event_id)
    form = PublishForm()
    if form.validate_on_submit():
        publish = form.published.data == "1"
        run_service(None, lambda: services.set_published(event, publish))
        flash(_("The event is published.") if publish else _("The event is a draft again."),
              "success")
    return redirect(url_for("manage.event", event_id=event.id))


@bp.get("/events/<int:event_id>/conflicts")
@organizer_required
def event_conflicts(event_id: int):
    """Every conflict in the event's programme, with links to fix each one."""
    event = scoped_or_404(Event, event_id)
    found = conflict_checks.event_conflicts(event)
    return render_template("manage/program/conflicts.html", event=event, conflicts=found,
                           counts=conflict_checks.count_by_code(found))


@bp.route("/events/<int:event_id>/tracks/new", methods=["GET", "POST"])
@organizer_required
def track_new(event_id: int):
    """Add a track (one of the Festa's seven strategies, for example)."""
    event = scoped_or_404(Event, event_id)
    form = TrackForm()
    back = url_for("manage.event", event_id=event.id, _anchor="tracks")
    return form_page(form, lambda: services.create_track(event, form.model_data()), back,
                     title=_("New track"), back=back, subject=localized(event, "name"))


@bp.route("/tracks/<int:track_id>/edit", methods=["GET", "POST"])
@organizer_required
def track_edit(track_id: int):
    """Edit a track's name, description, colour and order."""
    track = scoped_or_404(Track, track_id)
    form = TrackForm(obj=track)
    back = url_for("manage.event", event_id=track.event_id, _anchor="tracks")
    return form_page(form, lambda: services.update_track(track, form.model_data()), back,
                     title=_("Edit track"), back=back, subject=localized(track.event, "name"),
                     delete_url=url_for("manage.track_delete", track_id=track.id))


@bp.route("/tracks/<int:track_id>/delete", methods=["GET", "POST"])
@organizer_required
def track_delete(track_id: int):
    """Delete a track; its sessions stay without one."""
    track = scoped_or_404(Track, track_id)
    back = url_for("manage.event", event_id=track.event_id, _anchor="tracks")
    return confirm_delete(localized(track, "name"), back,
                          lambda: services.delete_track(track), back)
