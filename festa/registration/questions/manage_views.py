"""Organizers' pages for an event's registration questions: add, order, edit, retire."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from festa.auth.services import organizer_required
from festa.auth.teams import scoped_or_404
from festa.i18n import localized
from festa.program.models import Event
from festa.program.queries import schedule_sessions
from festa.registration.questions import services
from festa.registration.questions.manage_forms import (
    KIND_LABELS,
    ChoiceForm,
    QuestionForm,
    parse_choices,
)
from festa.registration.questions.models import Question, QuestionChoice
from festa.registration.questions.rules import event_questions
from festa.web.forms import ConfirmForm
from festa.web.views import confirm_delete, form_page, run_service, saved

bp = Blueprint("questions_manage", __name__, url_prefix="/manage")


def _back(event_id: int) -> str:
    return url_for(".questions", event_id=event_id)


@bp.get("/events/<int:event_id>/questions")
@organizer_required
def questions(event_id: int):
    """The event's questions in form order, with their choices and places."""
    event = scoped_or_404(Event, event_id)
    return render_template("manage/registration/questions.html", event=event,
                           questions=event_questions(event.id), kinds=KIND_LABELS,
                           form=ConfirmForm())


def _question_form(event: Event, obj: Question | None = None) -> QuestionForm:
    return QuestionForm(obj=obj, sessions=schedule_sessions(event))


@bp.route("/events/<int:event_id>/questions/new", methods=["GET", "POST"])
@organizer_required
def question_new(event_id: int):
    """Add a question at the end of the form."""
    event = scoped_or_404(Event, event_id)
    form = _question_form(event)
    return form_page(
        form, lambda: services.create_question(
            event, choices=parse_choices(form.new_choices.data), **form.model_data()),
        _back(event.id), title=_("New question"), back=_back(event.id),
        subject=localized(event, "name"))


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@organizer_required
def question_edit(question_id: int):
    """Change a question; add choices (one per line); its choices are edited below."""
    question = scoped_or_404(Question, question_id)
    form = _question_form(question.event, question)

    def change() -> Question:
        services.update_question(question, **form.model_data())
        for values in parse_choices(form.new_choices.data):
            services.add_choice(question, **values)
        return question

    return form_page(form, change, _back(question.event_id), title=localized(question, "label"),
                     back=_back(question.event_id), subject=localized(question.event, "name"),
                     template="manage/registration/question_form.html", question=question,
                     confirm=ConfirmForm())


@bp.post("/questions/<int:question_id>/move")
@organizer_required
def question_move(question_id: int):
    """One place up (step=-1) or down (step=1) in the form."""
    question = scoped_or_404(Question, question_id)
    step = -1 if request.form.get("step") == "-1" else 1
    if ConfirmForm().validate_on_submit():
        run_service(None, lambda: services.move_question(question, step))
    return redirect(_back(question.event_id))


@bp.route("/questions/<int:question_id>/retire", methods=["GET", "POST"])
@organizer_required
def question_retire(question_id: int):
    """Take a question off the form: retired when answered (answers stay exported)."""
    question = scoped_or_404(Question, question_id)
    back = _back(question.event_id)
    return confirm_delete(localized(question, "label"), back,
                          lambda: services.retire_question(question), back)


def _choice(choice_id: int) -> QuestionChoice:
    choice = scoped_or_404(QuestionChoice, choice_id)
    scoped_or_404(Question, choice.question_id)  # a choice's event is its question's
    return choice


@bp.route("/choices/<int:choice_id>/edit", methods=["GET", "POST"])
@organizer_required
def choice_edit(choice_id: int):
    """Change a choice's labels, limit or colour."""
    choice = _choice(choice_id)
    back = url_for(".question_edit", question_id=choice.question_id)
    form = ChoiceForm(obj=choice)
    return form_page(form, lambda: services.update_choice(choice, **form.model_data()), back,
                     title=localized(choice, "label"), back=back,
                     subject=localized(choice.question, "label"))


@bp.post("/choices/<int:choice_id>/retire")
@organizer_required
def choice_retire(choice_id: int):
    """Take a choice off the form (retired when someone picked it)."""
    choice = _choice(choice_id)
    question_id = choice.question_id
    if ConfirmForm().validate_on_submit() and run_service(
            None, lambda: services.retire_choice(choice)) is not None:
        saved(_("The choice is no longer offered."))
    else:
        flash(_("Nothing changed."), "error")
    return redirect(url_for(".question_edit", question_id=question_id))
