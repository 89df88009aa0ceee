"""Which questions apply to a registration, and what a valid answer to each kind is.

One set of rules for the page and the API: a page sends strings ("3", ["3", "5"], "yes"),
the API JSON values (3, [3, 5], true); both are cleaned into `Cleaned` or refused with a
message per question, under the field name `answers.<question id>`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from festa.core import inputs
from festa.extensions import db
from festa.i18n import is_country, localized
from festa.registration.questions.models import Question, QuestionKind
from festa.web.forms import input_message

TEXT_MAX = {QuestionKind.SHORT_TEXT: 300, QuestionKind.LONG_TEXT: 5000}
NUMBER_MAX = Decimal(10) ** 12
YES = {"yes", "true", "1", "y", "on"}
NO = {"no", "false", "0", "n", "off"}


class Cleaned(NamedTuple):
    """A valid answer: `value` (text, number, "yes"/"no", country code) or choice ids."""

    value: str = ""
    choice_ids: tuple[int, ...] = ()


def field_name(question_id: int) -> str:
    return f"answers.{question_id}"


def event_questions(event_id: int, *, include_retired: bool = False) -> list[Question]:
    """The event's questions in form order (choices loaded)."""
    statement = (sa.select(Question).where(Question.event_id == event_id)
                 .options(selectinload(Question.choices))
                 .order_by(Question.position, Question.id))
    if not include_retired:
        statement = statement.where(Question.retired_at.is_(None))
    return list(db.session.scalars(statement))


def applies(question: Question, session_ids: Iterable[int]) -> bool:
    """Asked of everyone, or of those who reserve the question's session."""
    return question.session_id is None or question.session_id in set(session_ids)


def _empty(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip()) or raw in ([], ())


def _choice_ids(question: Question, raw: object) -> tuple[int, ...]:
    values = raw if isinstance(raw, list | tuple) else [raw]
    if question.kind == QuestionKind.ONE_CHOICE and len(values) != 1:
        raise ValueError(_("Choose one of the choices."))
    try:
        ids = [int(v) for v in values if not isinstance(v, bool | float)]
    except (TypeError, ValueError):
        ids = []
    offered = {c.id for c in question.open_choices}
    if len(ids) != len(values) or not set(ids) <= offered:
        raise ValueError(_("Choose among the choices offered."))
    return tuple(sorted(set(ids)))


def _number(raw: object) -> str:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise ValueError(_("Please enter a number."))
    try:
        number = Decimal(str(raw).strip().replace(",", ""))
    except InvalidOperation:
        number = None
    if number is None or not math.isfinite(number) or abs(number) >= NUMBER_MAX:
        raise ValueError(_("Please enter a number."))
    return format(number.normalize(), "f") if number != number.to_integral() else str(int(number))


def _yes_no(raw: object) -> str:
    text = str(raw).strip().lower() if not isinstance(raw, bool) else ("yes" if raw else "no")
    if text in YES:
        return "yes"
    if text in NO:
        return "no"
    raise ValueError(_("Answer yes or no."))


def clean_answer(question: Question, raw: object) -> Cleaned | None:
    """One answer cleaned; None when left empty. Raises ValueError with the message."""
    if _empty(raw):
        if question.required:
            raise ValueError(_("Please answer this question."))
        return None
    kind = question.kind
    if kind in TEXT_MAX:
        if not isinstance(raw, str):
            raise ValueError(_("Please enter text."))
        try:  # the shared rules: NFC, no control characters (long answers keep line breaks)
            text = inputs.clean_text(raw, max_length=TEXT_MAX[kind],
                                     multiline=kind == QuestionKind.LONG_TEXT)
        except inputs.InputError as error:
            raise ValueError(input_message(error.code, TEXT_MAX[kind])) from error
        return Cleaned(value=text)
    if question.has_choices:
        return Cleaned(choice_ids=_choice_ids(question, raw))
    if kind == QuestionKind.YES_NO:
        return Cleaned(value=_yes_no(raw))
    if kind == QuestionKind.NUMBER:
        return Cleaned(value=_number(raw))
    code = str(raw).strip().upper()
    if not is_country(code):
        raise ValueError(_("Choose a country from the list."))
    return Cleaned(value=code)


def check_answers(questions: list[Question], raw: Mapping | None, session_ids: Iterable[int]
                  ) -> tuple[dict[int, Cleaned], dict[str, list[str]]]:
    """({question id: cleaned answer}, {"answers.<id>": [message]}) for the questions that
    apply given the sessions chosen. Answers to questions that do not apply are dropped;
    keys naming no question of the event are refused."""
    raw = dict(raw or {})
    sessions = set(session_ids)
    known = {str(q.id): q for q in questions}
    fields = {field_name(key) if str(key).isdigit() else f"answers.{key}"[:80]:
              [_("This event has no such question.")]
              for key in raw if str(key) not in known}
    cleaned: dict[int, Cleaned] = {}
    for question in questions:
        if not applies(question, sessions):
            continue
        given = raw.get(str(question.id), raw.get(question.id))
        try:
            answer = clean_answer(question, given)
        except ValueError as error:
            fields[field_name(question.id)] = [str(error)]
            continue
        if answer is not None:
            cleaned[question.id] = answer
    return cleaned, fields


def fields_message(questions: list[Question], fields: Mapping[str, list[str]]) -> str:
    """The error's summary, naming the questions at fault."""
    labels = [localized(q, "label") for q in questions if field_name(q.id) in fields]
    if not labels:
        return _("Some fields are not valid.")
    return _("Some answers are not valid: %(questions)s", questions=", ".join(labels))
