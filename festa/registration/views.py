"""Attendee pages: register, the confirmation, and self-service through the manage link."""

from __future__ import annotations

from datetime import date
from functools import wraps
from itertools import groupby
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from festa.dbtypes import utcnow
from festa.errors import FestaError, wants_json
from festa.extensions import db, limiter
from festa.hangul import with_particles
from festa.i18n import current_language, localized
from festa.program.models import Session
from festa.program.presentation import local_day
from festa.program.queries import published_event_or_404, registration_open, schedule_sessions
from festa.registration import attendee, bookmarks, queries, services
from festa.registration.attendee_views import change_bookmark
from festa.registration.forms import ManageLinkForm, RegistrationForm
from festa.registration.models import RegistrationStatus
from festa.registration.questions.forms import (
    answers_context,
    question_hints,
    raw_answers,
    show_answer_errors,
    with_questions,
)
from festa.registration.questions.rules import check_answers, event_questions
from festa.registration.rules import first_overlap, registration_rate_limit
from festa.registration.tokens import manage_token
from festa.web.forms import ConfirmForm, set_field_errors

bp = Blueprint("registration", __name__)


@bp.after_request
def private_pages(response):
    """Pages behind a manage link show personal data: no cache may keep them."""
    if request.endpoint != "registration.register_page":
        response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/events/<slug>/register", methods=["GET", "POST"])
@limiter.limit(registration_rate_limit, methods=["POST"])
def register_page(slug: str):
    """Sign up for an event: details, reservable sessions (those named by `?sessions=`
    come ticked), the privacy notice and consent."""
    event = published_event_or_404(slug)
    questions = event_questions(event.id)
    form = with_questions(RegistrationForm, questions)()
    if not form.is_submitted():
        form.locale.data = current_language()
    sessions = services.reservable_sessions(event)
    form.set_sessions(sessions)
    if not form.is_submitted():
        form.preselect_sessions(request.args.getlist("sessions"))
    link_form = ManageLinkForm(prefix="link")
    context = {"event": event, "form": form, "link_form": link_form,
               "sessions": {s.id: s for s in sessions},
               "is_open": registration_open(event), "duplicate": False, "now": utcnow(),
               "questions": questions, "hints": question_hints(questions)}
    if not context["is_open"]:
        status = 409 if request.method == "POST" else 200
        return render_template("registration/register.html", **context), status
    answers = raw_answers(form, questions)
    if not form.validate_on_submit():
        if form.is_submitted():  # every error at once: the answers' too
            show_answer_errors(form, check_answers(questions, answers, form.sessions.data or [])[1])
        status = 422 if form.is_submitted() else 200
        return render_template("registration/register.html", **context), status
    try:
        registration = services.register(
            event, form.name.data, form.email.data, form.organization.data or "",
            form.locale.data, form.sessions.data or [], bool(form.consent.data),
            answers=answers,
        )
    except FestaError as error:
        db.session.rollback()
        context["duplicate"] = error.code == "already_registered"
        context["is_open"] = error.code != "registration_closed"
        set_field_errors(form, error.fields)
        show_answer_errors(form, error.fields)
        if not error.fields and not context["duplicate"]:
            flash(error.message, "error")
        link_form.email.data = form.email.data
        return render_template("registration/register.html", **context), error.status
    return redirect(url_for("registration.confirmation", token=manage_token(registration)))


@bp.post("/events/<slug>/register/manage-link")
@limiter.limit("5 per minute")
def request_manage_link(slug: str):
    """Mail the manage link to a registered address; the answer never says whether it is."""
    event = published_event_or_404(slug)
    form = ManageLinkForm(prefix="link")
    if form.validate_on_submit():
        services.send_manage_link(event, form.email.data)
        flash(_("If this address is registered for the event, the manage link is on its way "
                "to it now."), "success")
    else:
        flash(_("Please enter a valid e-mail address."), "error")
    return redirect(url_for("registration.register_page", slug=slug))


@bp.post("/registrations/manage-links")
@limiter.limit("5 per minute")
def resend_links():
    """From the "ticket not found" page: mail every manage link of this address; the answer
    never says whether it is registered."""
    form = ManageLinkForm(prefix="link")
    if form.validate_on_submit():
        services.send_all_manage_links(form.email.data)
        flash(_("If this address is registered for an upcoming event, its manage links are on "
                "their way to it now."), "success")
    else:
        flash(_("Please enter a valid e-mail address."), "error")
    return redirect(url_for("program.index"))


def with_registration(view):
    """Resolve the manage token in the URL; an invalid or expired link gets its own page."""

    @wraps(view)
    def wrapped(token: str, **kwargs):
        try:
            registration = services.registration_for_manage_token(token)
        except FestaError as error:
            return render_template("registration/link_invalid.html", error=error), error.status
        return view(registration, token=token, **kwargs)

    return wrapped


@bp.get("/registrations/confirmed/<token>")
@with_registration
def confirmation(registration, token: str):
    """Right after registering: confirmed (with the ticket) or waitlisted (with the place)."""
    attendee.remember(registration, token)
    return render_template("registration/confirmation.html", registration=registration,
                           token=token, **_summary(registration))


def _summary(registration) -> dict:
    """Status, ticket, session statuses and the manage link, for the attendee's pages."""
    rows = [(r.session, queries.session_view(r))
            for r in queries.active_reservations(registration)]
    return {
        "view": queries.registration_view(registration),
        "ticket": queries.valid_ticket(registration),
        "rows": rows,
        "session_views": {session.id: view for session, view in rows},
        "manage_link": services.manage_url(registration),
    }


@bp.get("/registrations/manage/<token>")
@with_registration
def manage(registration, token: str):
    """Self-service: status and ticket, add or drop sessions, bookmark sessions for the
    agenda feed, cancel, delete one's data."""
    attendee.remember(registration, token)
    marked = bookmarks.bookmarked_session_ids(registration)
    sessions = services.reservable_sessions(registration.event)
    reservations = {r.session_id: r for r in queries.active_reservations(registration)}
    held = [r.session for r in reservations.values()]
    clashes = {s.id: clash for s in sessions if s.id not in reservations
               and (clash := first_overlap(s, held)) is not None}
    return render_template(
        "registration/manage.html", registration=registration, token=token, sessions=sessions,
        reservations=reservations, clashes=clashes, form=ConfirmForm(), now=utcnow(),
        event_over=services.event_over(registration.event), **_summary(registration),
        days=_my_days(registration.event, marked | set(reservations)), bookmarked=marked,
        **answers_context(registration),
    )


def _my_days(event, session_ids: set[int]) -> list[tuple[date, list[Session]]]:
    """The attendee's sessions (bookmarked or reserved, not cancelled), grouped by their
    day in the event's zone: the manage page lists these, not the whole programme."""
    zone = ZoneInfo(event.timezone)
    sessions = [s for s in schedule_sessions(event, include_cancelled=False)
                if s.id in session_ids]
    return [(day, list(group))
            for day, group in groupby(sessions, key=lambda s: local_day(s, zone))]


def _session_of(registration, session_id: int) -> Session:
    session = db.session.get(Session, session_id)
    if session is None or session.event_id != registration.event_id:
        abort(404)
    return session


@bp.post("/registrations/manage/<token>/sessions/<int:session_id>/reserve")
@with_registration
def reserve(registration, token: str, session_id: int):
    """Add a session: a seat if one is free, else its waitlist."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        reservation = services.reserve_session(registration, _session_of(registration, session_id))
    except FestaError as error:
        db.session.rollback()
        flash(error.fields.get("sessions", [error.message])[0], "error")
    else:
        if reservation.status == RegistrationStatus.CONFIRMED:
            flash(_("Your seat is reserved."), "success")
        else:
            flash(_("The session is full: you are on its waitlist."), "warning")
    return redirect(url_for("registration.manage", token=token))


@bp.post("/registrations/manage/<token>/sessions/<int:session_id>/drop")
@with_registration
def drop(registration, token: str, session_id: int):
    """Give up a session reservation (the next in line gets the seat)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    session = _session_of(registration, session_id)
    try:
        services.drop_reservation(registration, session)
    except FestaError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:  # one session given up, not the registration: name it
        flash(with_particles(_("You gave up your seat in “%(title)s”; your registration "
                               "stays.", title=localized(session, "title"))), "success")
    return redirect(url_for("registration.manage", token=token))


@bp.post("/registrations/manage/<token>/sessions/<int:session_id>/bookmark")
@with_registration
def bookmark(registration, token: str, session_id: int):
    """Bookmark a session: it joins the agenda feed (no seat is reserved)."""
    return _change_bookmark(registration, token, session_id, True)


@bp.post("/registrations/manage/<token>/sessions/<int:session_id>/unbookmark")
@with_registration
def unbookmark(registration, token: str, session_id: int):
    """Remove a bookmark: the session leaves the agenda feed (unless it is reserved)."""
    return _change_bookmark(registration, token, session_id, False)


def _change_bookmark(registration, token: str, session_id: int, wanted: bool):
    """Run a bookmark change; back to the session's row on the manage page (or JSON)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        return change_bookmark(registration, _session_of(registration, session_id), wanted,
                               url_for("registration.manage", token=token,
                                       _anchor=f"bookmark-{session_id}"))
    except FestaError as error:
        db.session.rollback()
        if wants_json():
            raise
        flash(error.message, "error")
        return redirect(url_for("registration.manage", token=token))


@bp.route("/registrations/manage/<token>/cancel", methods=["GET", "POST"])
@with_registration
def cancel(registration, token: str):
    """Cancel the registration, after a confirmation step."""
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.cancel_registration(registration)
        except FestaError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            flash(_("Your registration is cancelled and your ticket no longer works."),
                  "success")
        return redirect(url_for("registration.manage", token=token))
    return render_template("registration/confirm.html", registration=registration, form=form,
                           token=token, action="cancel")


@bp.route("/registrations/manage/<token>/delete", methods=["GET", "POST"])
@with_registration
def delete_data(registration, token: str):
    """Delete one's personal data (the registration is anonymised), after confirmation."""
    form = ConfirmForm()
    if form.validate_on_submit():
        services.anonymize(registration)
        return redirect(url_for("registration.deleted"))
    return render_template("registration/confirm.html", registration=registration, form=form,
                           token=token, action="delete")


@bp.get("/registrations/deleted")
def deleted():
    """Shown once the personal data is gone (the old manage link no longer works)."""
    return render_template("registration/deleted.html")
