"""Manage sessions: create, edit (with conflict warnings), delete, and who speaks."""

from __future__ import annotations

from flask import abort, jsonify, redirect, request, url_for
from flask_babel import gettext as _

from festa.auth.services import organizer_required
from festa.auth.teams import scoped_or_404
from festa.extensions import db
from festa.i18n import localized
from festa.manage import queries
from festa.manage.base import bp
from festa.manage.session_forms import ROLE_LABELS, AssignSpeakerForm, SessionForm
from festa.program import conflicts as conflict_checks
from festa.program import sessions as services
from festa.program.models import Event, Session, Speaker
from festa.web.forms import ConfirmForm
from festa.web.views import (
    add_service_errors,
    confirm_delete,
    flash_errors,
    form_page,
    render_form,
    run_service,
    saved,
)


def _session_form(event: Event, **kwargs) -> SessionForm:
    rooms = event.venue.rooms if event.venue else []
    return SessionForm(event=event, rooms=rooms, tracks=event.tracks, **kwargs)


def _render(form: SessionForm, event: Event, session: Session, **context):
    return render_form(form, _("Edit session"), url_for("manage.event", event_id=event.id),
                       template="manage/program/session_form.html", event=event, session=session,
                       role_labels=ROLE_LABELS, **context)


@bp.route("/events/<int:event_id>/sessions/new", methods=["GET", "POST"])
@organizer_required
def session_new(event_id: int):
    """Add a session to the event's programme."""
    event = scoped_or_404(Event, event_id)
    form = _session_form(event)
    return form_page(
        form, lambda: services.create_session(event, form.model_data()),
        lambda session: url_for("manage.session_edit", session_id=session.id),
        title=_("New session"), back=url_for("manage.event", event_id=event.id),
        message=_("Session created."), template="manage/program/session_form.html", event=event,
        session=None,
        check=lambda: services.session_values(event, form.model_data()))


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@organizer_required
def session_edit(session_id: int):
    """Edit a session; its conflicts are shown as warnings above the form."""
    session = scoped_or_404(Session, session_id)
    event = session.event
    form = _session_form(event, obj=session)
    if form.validate_on_submit():
        if run_service(form, lambda: services.update_session(session, form.model_data())):
            saved()
            return redirect(url_for("manage.session_edit", session_id=session.id))
    elif form.is_submitted():
        add_service_errors(form, lambda: services.session_values(event, form.model_data(),
                                                                 session))
    warnings = conflict_checks.for_session(conflict_checks.event_conflicts(event), session.id)
    assign_form = AssignSpeakerForm(prefix="assign", speakers=queries.all_speakers(),
                                    position=len(session.speaker_roles))
    return _render(form, event, session, warnings=warnings, assign_form=assign_form,
                   confirm_form=ConfirmForm())


@bp.post("/events/<int:event_id>/sessions/check")
@organizer_required
def session_check(event_id: int):
    """The conflicts the form's values would cause, before saving (JSON for the form's
    script). With `session_id`, the values stand in for that session's; nothing is written."""
    event = scoped_or_404(Event, event_id)
    form = _session_form(event)
    form.validate()
    session_id = request.form.get("session_id", type=int)
    session = db.session.get(Session, session_id) if session_id else None
    if session is not None and session.event_id != event.id:
        abort(404)
    found = services.check_draft(event, form.model_data(), session)
    return jsonify(conflicts=[{"code": c.code, "message": c.message} for c in found])


@bp.route("/sessions/<int:session_id>/delete", methods=["GET", "POST"])
@organizer_required
def session_delete(session_id: int):
    """Delete a session (asks first). To keep it visible as cancelled, edit it instead."""
    session = scoped_or_404(Session, session_id)
    event_url = url_for("manage.event", event_id=session.event_id, _anchor="sessions")
    return confirm_delete(localized(session, "title"),
                          url_for("manage.session_edit", session_id=session.id),
                          lambda: services.delete_session(session), event_url)


@bp.post("/sessions/<int:session_id>/speakers")
@organizer_required
def session_assign_speaker(session_id: int):
    """Put a speaker on the session with a role and an order (or change them)."""
    session = scoped_or_404(Session, session_id)
    form = AssignSpeakerForm(prefix="assign", speakers=queries.all_speakers())
    if form.validate_on_submit():
        speaker = db.get_or_404(Speaker, form.speaker_id.data)
        if run_service(form, lambda: services.assign_speaker(
                session, speaker, form.role.data, form.position.data or 0)):
            saved(_("Speaker assigned."))
    flash_errors(form)
    return redirect(url_for("manage.session_edit", session_id=session.id, _anchor="speakers"))


@bp.post("/sessions/<int:session_id>/speakers/<int:speaker_id>/remove")
@organizer_required
def session_remove_speaker(session_id: int, speaker_id: int):
    """Take a speaker off the session."""
    session = scoped_or_404(Session, session_id)
    speaker = db.get_or_404(Speaker, speaker_id)
    if ConfirmForm().validate_on_submit() and run_service(
            None, lambda: services.remove_speaker(session, speaker)):
        saved(_("Speaker removed from the session."))
    return redirect(url_for("manage.session_edit", session_id=session.id, _anchor="speakers"))
