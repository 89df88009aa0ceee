"""The attendee's answers on the manage page: shown, and changed until registration closes."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from festa.errors import FestaError
from festa.extensions import db
from festa.registration import services
from festa.registration.models import Registration
from festa.registration.questions.forms import (
    answers_context,
    asked_of,
    raw_answers,
    show_answer_errors,
    with_questions,
)
from festa.registration.views import with_registration

bp = Blueprint("registration_answers", __name__)


@bp.post("/registrations/manage/<token>/answers")
@with_registration
def change(registration: Registration, token: str):
    """Save changed answers; errors are shown on the manage page next to the question."""
    questions = asked_of(registration)
    form = with_questions(FlaskForm, questions)()
    if not form.validate_on_submit():
        abort(400)
    try:
        changed = services.change_answers(registration, raw_answers(form, questions))
    except FestaError as error:
        db.session.rollback()
        if not error.fields:
            flash(error.message, "error")
            return redirect(url_for("registration.manage", token=token))
        show_answer_errors(form, error.fields)
        flash(error.message, "error")
        return render_template("registration/answers.html", registration=registration,
                               token=token, **answers_context(registration, form)), 422
    flash(_("Your answers are saved.") if changed else _("Nothing changed."), "success")
    return redirect(url_for("registration.manage", token=token, _anchor="answers-heading"))
