"""Organizer pages for registrations: lists with search and filters, seats per session,
CSV export, walk-ins, and ticket actions. Every change is audited (in the services)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from festa.auth.services import organizer_required
from festa.auth.teams import event_scope, scoped_or_404
from festa.core.inputs import page_number
from festa.errors import FestaError
from festa.extensions import db
from festa.program.models import Event
from festa.registration import queries, services
from festa.registration.forms import WalkInForm
from festa.registration.models import Registration, RegistrationStatus
from festa.registration.questions.forms import (
    question_hints,
    raw_answers,
    show_answer_errors,
    with_questions,
)
from festa.registration.questions.queries import answer_filter_options
from festa.registration.questions.rules import event_questions
from festa.web.forms import ConfirmForm, set_field_errors

bp = Blueprint("registration_manage", __name__, url_prefix="/manage")

PAGE_SIZE = 100


def _event_or_404(event_id: int) -> Event:
    return scoped_or_404(Event, event_id)


def _filters() -> tuple[str, str, str]:
    return queries.list_filters(request.args)


@bp.get("/registrations/")
@organizer_required
def index():
    """Every event with its registration counts: the way into each list."""
    events = db.session.scalars(sa.select(Event).where(event_scope(current_user, Event.id))
                                .order_by(Event.start_date.desc())).all()
    counts = {event.id: queries.status_counts(event) for event in events}
    return render_template("manage/registration/index.html", events=events, counts=counts)


@bp.get("/events/<int:event_id>/registrations")
@organizer_required
def event_registrations(event_id: int):
    """One event's registrations: search, status filter, counts, seats left per session."""
    event = _event_or_404(event_id)
    query, status, answer = _filters()
    rows = queries.search_registrations(event, query, status, answer)
    page = max(request.args.get("page", 1, type=page_number), 1)
    shown = rows[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    return render_template(
        "manage/registration/list.html", event=event, rows=shown, found=len(rows), page=page,
        pages=max((len(rows) + PAGE_SIZE - 1) // PAGE_SIZE, 1), query=query, status=status,
        answer=answer, answer_options=answer_filter_options(event.id),
        counts=queries.status_counts(event), seats=queries.session_seats(event),
        positions=queries.event_positions(event.id), statuses=queries.STATUSES,
        status_label=queries.status_label, form=ConfirmForm(),
    )


@bp.route("/events/<int:event_id>/registrations/new", methods=["GET", "POST"])
@organizer_required
def walk_in(event_id: int):
    """Register someone at the door (source "walk-in"; open even after the window)."""
    event = _event_or_404(event_id)
    questions = event_questions(event.id)
    form = with_questions(WalkInForm, questions)()
    sessions = services.reservable_sessions(event)
    form.set_sessions(sessions)
    if form.validate_on_submit():
        try:
            registration = services.register(
                event, form.name.data, form.email.data, form.organization.data or "",
                form.locale.data, form.sessions.data or [], bool(form.consent.data),
                source="walk-in", answers=raw_answers(form, questions),
                by=current_user._get_current_object(),
            )
        except FestaError as error:
            db.session.rollback()
            _show_error(form, error)
            show_answer_errors(form, error.fields)
        else:
            flash(_("Registered %(name)s: %(status)s.", name=registration.name,
                    status=queries.status_label(registration.status)), "success")
            return redirect(url_for(".event_registrations", event_id=event.id,
                                    q=registration.email))
    status = 422 if form.errors else 200
    return render_template("manage/registration/new.html", event=event, form=form,
                           sessions={s.id: s for s in sessions}, questions=questions,
                           hints=question_hints(questions)), status


def _show_error(form, error: FestaError) -> None:
    set_field_errors(form, error.fields)
    if not error.fields:
        flash(error.message, "error")


def _registration_action(registration_id: int, action, confirm: dict | None = None):
    """Run an organizer action on a registration (POST with CSRF), then back to the list.

    With `confirm` (question, button, reason), a GET shows a confirmation page that names
    the person first: destructive actions are never one tap away in the list."""
    registration = scoped_or_404(Registration, registration_id)
    back = request.values.get("next") or url_for(".event_registrations",
                                                 event_id=registration.event_id)
    if not back.startswith("/manage/"):
        back = url_for(".event_registrations", event_id=registration.event_id)
    if request.method == "GET" and confirm is not None:
        return render_template("manage/registration/confirm_action.html",
                               registration=registration, form=ConfirmForm(), back=back,
                               **confirm)
    if ConfirmForm().validate_on_submit():
        try:
            message = action(registration, current_user._get_current_object())
        except FestaError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            flash(message, "success")
    return redirect(back)


@bp.route("/registrations/<int:registration_id>/revoke-ticket", methods=["GET", "POST"])
@organizer_required
def revoke_ticket(registration_id: int):
    """Stop a registration's ticket (after a confirmation naming the person); the attendee
    is told by mail."""
    def action(registration, user):
        services.revoke_registration_ticket(registration, user, request.form.get("reason", ""))
        return _("Ticket revoked.")
    return _registration_action(registration_id, action, confirm={
        "question": _("Revoke the ticket of %(name)s?"), "button": _("Revoke ticket"),
        "consequence": _("The ticket stops working at the door at once; the seat stays taken. "
                         "The attendee is told by e-mail."),
        "reason": True})


@bp.post("/registrations/<int:registration_id>/resend-ticket")
@organizer_required
def resend_ticket(registration_id: int):
    """Send the ticket mail again."""
    def action(registration, user):
        services.resend_ticket(registration, user)
        return _("The ticket mail is on its way.")
    return _registration_action(registration_id, action)


@bp.route("/registrations/<int:registration_id>/cancel", methods=["GET", "POST"])
@organizer_required
def cancel(registration_id: int):
    """Cancel a registration for the attendee (after a confirmation naming the person);
    the waitlist moves up at once."""
    def action(registration, user):
        if registration.status == RegistrationStatus.CANCELLED:
            return _("Already cancelled.")
        services.cancel_registration(registration, by=user)
        return _("Registration cancelled.")
    return _registration_action(registration_id, action, confirm={
        "question": _("Cancel the registration of %(name)s?"),
        "button": _("Cancel registration"),
        "consequence": _("The ticket stops working, the seats are released and the next on "
                         "each waitlist gets them. The attendee is told by e-mail."),
        "reason": False})
