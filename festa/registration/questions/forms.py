"""The questions as form fields on the registration, walk-in and manage pages.

The fields only collect what was entered: the rules of festa.registration.questions.rules
decide what is valid, for the page and the API alike, and their messages are shown on
the field named `q<question id>`.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import Field, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from festa.hangul import with_particles
from festa.i18n import countries, localized
from festa.program.queries import registration_open
from festa.registration.forms import CheckboxListField
from festa.registration.models import Registration, RegistrationStatus
from festa.registration.questions.models import Answer, Question, QuestionKind
from festa.registration.questions.queries import answer_text
from festa.registration.questions.rules import applies, event_questions


def field_key(question: Question) -> str:
    return f"q{question.id}"


def _label(question: Question) -> str:
    label = localized(question, "label")
    return label if question.required else _("%(label)s (optional)", label=label)


def _option_label(choice) -> str:
    label = localized(choice, "label")
    if choice.places is None:
        return label
    return _("%(label)s (%(n)s places left)", label=label, n=choice.places_left)


def _field(question: Question) -> Field:
    label, kind = _label(question), question.kind
    options = [SelectChoice(str(c.id), _option_label(c)) for c in question.open_choices]
    if kind == QuestionKind.LONG_TEXT:
        return TextAreaField(label)
    if kind == QuestionKind.ONE_CHOICE:
        return RadioField(label, choices=options, validate_choice=False)
    if kind == QuestionKind.SEVERAL_CHOICES:
        return CheckboxListField(label, choices=options, validate_choice=False)
    if kind == QuestionKind.YES_NO:
        return RadioField(label, choices=[SelectChoice("yes", _("Yes")),
                                          SelectChoice("no", _("No"))], validate_choice=False)
    if kind == QuestionKind.COUNTRY:
        return SelectField(label, choices=[SelectChoice("", "—"), *(
            SelectChoice(code, name) for code, name in countries())], validate_choice=False)
    if kind == QuestionKind.NUMBER:
        return StringField(label, render_kw={"inputmode": "decimal"})
    return StringField(label)


def with_questions(form_class: type[FlaskForm], questions: list[Question]) -> type[FlaskForm]:
    """A subclass of the form with one field per question (named q<id>)."""
    fields = {field_key(q): _field(q) for q in questions}
    return type(form_class.__name__, (form_class,), fields)


def raw_answers(form: FlaskForm, questions: list[Question]) -> dict[str, object]:
    """{question id: what was entered} for the service to check."""
    return {str(q.id): form[field_key(q)].data for q in questions}


def fill_answers(form: FlaskForm, answers: dict[int, Answer]) -> None:
    """Show stored answers in the fields (the manage page)."""
    for question_id, answer in answers.items():
        key = f"q{question_id}"
        if key not in form:
            continue
        if answer.question.kind == QuestionKind.SEVERAL_CHOICES:
            form[key].data = [str(c.id) for c in answer.choices]
        elif answer.question.kind == QuestionKind.ONE_CHOICE:
            form[key].data = str(answer.choices[0].id) if answer.choices else None
        else:
            form[key].data = answer.value


def show_answer_errors(form: FlaskForm, fields: dict[str, list[str]]) -> None:
    """Put the service's `answers.<id>` messages on the q<id> fields."""
    for name, messages in fields.items():
        if name.startswith("answers."):
            key = "q" + name.removeprefix("answers.")
            if key in form:
                form[key].errors = [*form[key].errors, *messages]


def question_hints(questions: list[Question]) -> dict[int, str]:
    return {q.id: question_hint(q) for q in questions}


def question_hint(question: Question) -> str:
    """The help text, and for a session's question which session it belongs to."""
    parts = [localized(question, "help")]
    if question.session is not None:
        parts.append(with_particles(_("Asked only if you reserve “%(session)s”.",
                                      session=localized(question.session, "title"))))
    return " ".join(p for p in parts if p)


def asked_of(registration: Registration) -> list[Question]:
    """The questions that apply to a registration (its reserved sessions decide)."""
    reserved = [r.session_id for r in registration.reservations
                if r.status != RegistrationStatus.CANCELLED]
    return [q for q in event_questions(registration.event_id) if applies(q, reserved)]


def answers_context(registration: Registration, form: FlaskForm | None = None) -> dict:
    """What the manage page needs to show the answers (and the form to change them)."""
    questions = asked_of(registration)
    stored: dict[int, Answer] = {a.question_id: a for a in registration.answers}
    if form is None:
        form = with_questions(FlaskForm, questions)()
        fill_answers(form, stored)
    return {"questions": questions, "answers_form": form, "hints": question_hints(questions),
            "answer_texts": {q.id: answer_text(stored.get(q.id)) for q in questions},
            "answers_open": (registration_open(registration.event)
                             and registration.status != RegistrationStatus.CANCELLED)}
