"""Organizers' changes to an event's questions: add, edit, order, retire; and choices.

Each function checks everything first (FestaError 422 naming the fields), changes, writes
the audit entry and commits. A question or choice that has answers is retired, never
deleted: its answers stay in the exports.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import sqlalchemy as sa
from flask_babel import gettext as _

from festa.audit.services import record
from festa.dbtypes import utcnow
from festa.errors import FestaError
from festa.extensions import db
from festa.program.models import Event, Session
from festa.registration.models import Registration, RegistrationStatus
from festa.registration.questions.models import (
    Answer,
    AnswerChoice,
    Question,
    QuestionChoice,
    QuestionKind,
)
from festa.registration.questions.rules import event_questions

QUESTION_FIELDS = ("kind", "label_ko", "label_en", "help_ko", "help_en", "required",
                   "session_id")
CHOICE_FIELDS = ("label_ko", "label_en", "color", "places")
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _invalid(fields: dict[str, list[str]]) -> FestaError:
    return FestaError("validation_error", _("Some fields are not valid."), status=422,
                      fields=fields)


def _check_question(event: Event, values: Mapping, question: Question | None) -> None:
    fields: dict[str, list[str]] = {}
    if values.get("kind") not in set(QuestionKind):
        fields["kind"] = [_("Choose a kind of question.")]
    elif question is not None and values["kind"] != question.kind and _has_answers(question):
        fields["kind"] = [_("People have answered this question: its kind stays.")]
    for name in ("label_ko", "label_en"):
        if not (values.get(name) or "").strip():
            fields[name] = [_("This field is required.")]
    session_id = values.get("session_id")
    if session_id is not None:
        session = db.session.get(Session, session_id)
        if session is None or session.event_id != event.id:
            fields["session_id"] = [_("Choose a session of this event.")]
    if fields:
        raise _invalid(fields)


def _check_choice(values: Mapping, choice: QuestionChoice | None = None) -> None:
    fields: dict[str, list[str]] = {}
    for name in ("label_ko", "label_en"):
        if not (values.get(name) or "").strip():
            fields[name] = [_("This field is required.")]
    if values.get("color") and not COLOR.match(values["color"]):
        fields["color"] = [_("Use a colour such as #3355aa.")]
    places = values.get("places")
    if places is not None:
        taken = _holders(choice) if choice is not None else 0
        if places < 0:
            fields["places"] = [_("Must be 0 or more.")]
        elif places < taken:
            fields["places"] = [_("%(n)s registrations hold this choice already.", n=taken)]
    if fields:
        raise _invalid(fields)


def _has_answers(question: Question) -> bool:
    return db.session.scalar(sa.select(sa.exists().where(Answer.question_id == question.id)))


def _holders(choice: QuestionChoice) -> int:
    """Registrations not cancelled whose answer holds this choice."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AnswerChoice)
        .join(Answer, Answer.id == AnswerChoice.answer_id)
        .join(Registration, Registration.id == Answer.registration_id)
        .where(AnswerChoice.choice_id == choice.id,
               Registration.status != RegistrationStatus.CANCELLED))


def create_question(event: Event, choices: list[Mapping] = (), **values) -> Question:
    """Add a question at the end of the form (with its choices, for choice questions)."""
    values = {k: values.get(k) for k in QUESTION_FIELDS} | {
        "help_ko": values.get("help_ko") or "", "help_en": values.get("help_en") or "",
        "required": bool(values.get("required"))}
    _check_question(event, values, None)
    for choice in choices:
        _check_choice(choice)
    last = db.session.scalar(sa.select(sa.func.max(Question.position))
                             .where(Question.event_id == event.id))
    question = Question(event_id=event.id, position=(last or 0) + 1, **values)
    if question.has_choices:
        question.choices = [QuestionChoice(position=n, **_choice_values(c))
                            for n, c in enumerate(choices, start=1)]
    db.session.add(question)
    db.session.flush()
    record("question.create", question, details={"label": question.label_ko})
    db.session.commit()
    return question


def _choice_values(values: Mapping) -> dict:
    return {"label_ko": values["label_ko"].strip(), "label_en": values["label_en"].strip(),
            "color": values.get("color") or "#3355aa", "places": values.get("places")}


def update_question(question: Question, **values) -> Question:
    """Change a question's labels, help, kind (until answered), required, session."""
    values = {k: values.get(k, getattr(question, k)) for k in QUESTION_FIELDS}
    values["required"] = bool(values["required"])
    _check_question(question.event, values, question)
    for name, value in values.items():
        setattr(question, name, value if value is not None or name == "session_id" else "")
    record("question.update", question, details={"label": question.label_ko})
    db.session.commit()
    return question


def move_question(question: Question, step: int) -> None:
    """Move a question up (-1) or down (+1) among the event's open questions."""
    questions = event_questions(question.event_id)
    index = questions.index(question)
    other = index + step
    if 0 <= other < len(questions):
        questions[index], questions[other] = questions[other], questions[index]
    for position, q in enumerate(questions, start=1):
        q.position = position
    record("question.move", question, details={"step": step})
    db.session.commit()


def retire_question(question: Question) -> bool:
    """Take a question off the form: retired if answered (True), else deleted (False)."""
    answered = _has_answers(question)
    record("question.retire" if answered else "question.delete", question,
           details={"label": question.label_ko})
    if answered:
        question.retired_at = utcnow()
    else:
        db.session.delete(question)
    db.session.commit()
    return answered


def add_choice(question: Question, **values) -> QuestionChoice:
    _check_choice(values)
    last = max((c.position for c in question.choices), default=0)
    choice = QuestionChoice(question=question, position=last + 1, **_choice_values(values))
    db.session.add(choice)
    db.session.flush()
    record("question.choice_add", question, details={"choice": choice.label_ko})
    db.session.commit()
    return choice


def update_choice(choice: QuestionChoice, **values) -> QuestionChoice:
    """Change a choice's labels, colour or limit. Setting a limit counts the places held
    now, under the choice's row lock (registrations take places under the same lock)."""
    values = {k: values.get(k, getattr(choice, k)) for k in CHOICE_FIELDS}
    db.session.execute(sa.update(QuestionChoice).where(QuestionChoice.id == choice.id)
                       .values(places_taken=QuestionChoice.places_taken))  # lock the row
    _check_choice(values, choice)
    for name, value in _choice_values(values).items():
        setattr(choice, name, value)
    choice.places_taken = _holders(choice) if choice.places is not None else 0
    record("question.choice_update", choice.question, details={"choice": choice.label_ko})
    db.session.commit()
    return choice


def retire_choice(choice: QuestionChoice) -> bool:
    """Take a choice off the form: retired if anyone picked it (True), else deleted."""
    picked = db.session.scalar(sa.select(sa.exists().where(
        AnswerChoice.choice_id == choice.id)))
    question = choice.question
    record("question.choice_retire", question, details={"choice": choice.label_ko})
    if picked:
        choice.retired_at = utcnow()
    else:
        question.choices.remove(choice)
    db.session.commit()
    return picked
