"""Reading questions and answers: the API's description, answers as text for lists and
exports, counts per choice for the stats and the dashboard, and the answer filter."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa
from flask_babel import gettext as _

from festa.extensions import db
from festa.i18n import country_name, localized
from festa.registration.models import Registration, RegistrationStatus
from festa.registration.questions.models import (
    Answer,
    AnswerChoice,
    Question,
    QuestionChoice,
    QuestionKind,
)
from festa.registration.questions.rules import event_questions


def question_summary(question: Question) -> dict:
    """The contract's shape: {"id", "kind", "label", "required", "choices"?: [{"id",
    "label", "left"?}]}, labels in the request's language (plus help and session)."""
    summary = {"id": question.id, "kind": question.kind, "label": localized(question, "label"),
               "help": localized(question, "help"), "required": question.required,
               "session_id": question.session_id}
    if question.has_choices:
        summary["choices"] = [_choice_summary(c) for c in question.open_choices]
    return summary


def _choice_summary(choice: QuestionChoice) -> dict:
    summary = {"id": choice.id, "label": localized(choice, "label")}
    if choice.places is not None:
        summary["left"] = choice.places_left
    return summary


def api_questions(event_id: int) -> list[dict]:
    return [question_summary(q) for q in event_questions(event_id)]


def answer_text(answer: Answer | None, lang: str | None = None) -> str:
    """An answer as one line of text in the language (choices joined by ", ")."""
    if answer is None:
        return ""
    kind = answer.question.kind
    if answer.question.has_choices:
        return ", ".join(localized(c, "label", lang) for c in answer.choices)
    if kind == QuestionKind.YES_NO:
        return _("Yes") if answer.value == "yes" else _("No")
    if kind == QuestionKind.COUNTRY:
        return country_name(answer.value, lang)
    return answer.value


def answers_by_registration(registration_ids: list[int]) -> dict[int, dict[int, Answer]]:
    """{registration id: {question id: answer}} in two queries (choices loaded)."""
    if not registration_ids:
        return {}
    rows = db.session.scalars(
        sa.select(Answer).where(Answer.registration_id.in_(registration_ids))
        .options(sa.orm.selectinload(Answer.choices), sa.orm.joinedload(Answer.question)))
    found: dict[int, dict[int, Answer]] = {}
    for answer in rows:
        found.setdefault(answer.registration_id, {})[answer.question_id] = answer
    return found


def exported_questions(event_id: int) -> list[Question]:
    """Questions that get a column in exports: the open ones and retired ones with
    answers (their answers stay exported)."""
    answered = set(db.session.scalars(
        sa.select(Answer.question_id).join(Question).where(Question.event_id == event_id)
        .distinct()))
    return [q for q in event_questions(event_id, include_retired=True)
            if q.retired_at is None or q.id in answered]


def choice_counts(event_id: int) -> list[dict]:
    """Per choice question (open ones): how many registrations not cancelled picked each
    choice, with the limit and places left."""
    questions = [q for q in event_questions(event_id) if q.has_choices]
    counts = Counter(dict(db.session.execute(
        sa.select(AnswerChoice.choice_id, sa.func.count())
        .join(Answer, Answer.id == AnswerChoice.answer_id)
        .join(Registration, Registration.id == Answer.registration_id)
        .where(Registration.event_id == event_id,
               Registration.status != RegistrationStatus.CANCELLED)
        .group_by(AnswerChoice.choice_id)).all()))
    return [{"id": q.id, "label": localized(q, "label"), "kind": q.kind,
             "choices": [{"id": c.id, "label": localized(c, "label"), "count": counts[c.id],
                          "places": c.places, "color": c.color} for c in q.open_choices]}
            for q in questions]


def registrations_answering(question: Question, value: str) -> sa.Select:
    """Ids of registrations whose answer to `question` matches `value`: a choice id for
    choice questions, else the stored value (yes/no, country code, text contains)."""
    statement = sa.select(Answer.registration_id).where(Answer.question_id == question.id)
    if question.has_choices:
        choice_id = int(value) if value.isdigit() else -1
        return statement.join(AnswerChoice, AnswerChoice.answer_id == Answer.id).where(
            AnswerChoice.choice_id == choice_id)
    if question.kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
        pattern = "%" + value.replace("%", "").replace("_", "") + "%"
        return statement.where(sa.func.lower(Answer.value).like(pattern.lower()))
    return statement.where(Answer.value == value)


def answer_columns(event_id: int, registration_ids: list[int]
                   ) -> tuple[list[str], dict[int, list[str]]]:
    """Exports' question columns: (headers, {registration id: one cell per question}), in
    the current language; retired questions with answers keep their column."""
    questions = exported_questions(event_id)
    answers = answers_by_registration(registration_ids)
    headers = [localized(q, "label") for q in questions]
    cells = {reg_id: [answer_text(answers.get(reg_id, {}).get(q.id)) for q in questions]
             for reg_id in registration_ids}
    return headers, cells


def answer_filter_options(event_id: int) -> list[tuple[str, str]]:
    """("<question id>:<value>", "label: answer") for the organizers' answer filter: every
    choice of the choice questions, yes and no of the yes/no questions."""
    options = []
    for question in event_questions(event_id, include_retired=True):
        label = localized(question, "label")
        if question.has_choices:
            options += [(f"{question.id}:{c.id}", f"{label}: {localized(c, 'label')}")
                        for c in question.choices]
        elif question.kind == QuestionKind.YES_NO:
            options += [(f"{question.id}:yes", f"{label}: {_('Yes')}"),
                        (f"{question.id}:no", f"{label}: {_('No')}")]
    return options


def answer_filter(event_id: int, wanted: str) -> sa.Select | None:
    """Ids of the registrations matching "<question id>:<value>" (None: no such filter)."""
    question_id, _sep, value = (wanted or "").partition(":")
    if not question_id.isdigit() or not value:
        return None
    question = db.session.get(Question, int(question_id))
    if question is None or question.event_id != event_id:
        return None
    return registrations_answering(question, value[:200])
