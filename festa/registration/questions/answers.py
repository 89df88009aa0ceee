"""Storing answers, and the limited places of choices (e.g. 20 with sign-language
interpretation).

A place is taken like a seat (see festa.registration.seat_counters): one conditional UPDATE

    UPDATE question_choices SET places_taken = places_taken + 1
     WHERE id = :id AND places_taken < places

that locks the row until commit, so however many registrations ask at once the limit is
never passed; the CHECK constraint is the final guard. Only choices with a limit keep a
counter. Places are held by every registration that is not cancelled. Lock order: after the
event's and the sessions' counter rows (register and cancel lock those first), choices by
ascending id.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask_babel import gettext as _

from festa.errors import FestaError
from festa.extensions import db
from festa.i18n import localized
from festa.registration.questions.models import Answer, AnswerChoice, Question, QuestionChoice
from festa.registration.questions.rules import Cleaned, field_name


def new_answers(cleaned: dict[int, Cleaned], questions: list[Question]) -> list[Answer]:
    """Answer rows for a new registration (added with it)."""
    choices = {c.id: c for q in questions for c in q.choices}
    return [Answer(question_id=question_id, value=answer.value,
                   choices=[choices[i] for i in answer.choice_ids])
            for question_id, answer in cleaned.items()]


def limited_choice_ids(answers: Iterable[Answer]) -> list[int]:
    return sorted({c.id for a in answers for c in a.choices if c.places is not None})


def _take_place(choice_id: int) -> bool:
    statement = (
        sa.update(QuestionChoice)
        .where(QuestionChoice.id == choice_id, QuestionChoice.places.is_not(None),
               QuestionChoice.places_taken < QuestionChoice.places)
        .values(places_taken=QuestionChoice.places_taken + 1)
        .execution_options(synchronize_session=False)
    )
    return db.session.execute(statement).rowcount == 1


def _release_place(choice_id: int) -> None:
    db.session.execute(
        sa.update(QuestionChoice)
        .where(QuestionChoice.id == choice_id, QuestionChoice.places.is_not(None),
               QuestionChoice.places_taken > 0)
        .values(places_taken=QuestionChoice.places_taken - 1)
        .execution_options(synchronize_session=False)
    )


def _full(choices: list[QuestionChoice]) -> FestaError:
    fields = {field_name(c.question_id): [_("No places left for “%(choice)s”.",
                                             choice=localized(c, "label"))] for c in choices}
    return FestaError("validation_error", _("Some choices have no places left: %(choices)s",
                                            choices=", ".join(localized(c, "label")
                                                              for c in choices)),
                      status=422, fields=fields)


def change_places(take: Iterable[int], release: Iterable[int]) -> None:
    """Take and give back places in ascending choice id order (the lock order). Raises
    FestaError 422 naming the questions whose choice is full; the caller rolls back."""
    take, release = set(take), set(release)
    full = []
    for choice_id in sorted(take | release):
        if choice_id in release:
            _release_place(choice_id)
        elif not _take_place(choice_id):
            full.append(choice_id)
    for choice_id in take | release:  # loaded copies forget their counter
        choice = db.session.identity_map.get(
            sa.inspect(QuestionChoice).identity_key_from_primary_key((choice_id,)))
        if choice is not None:
            db.session.expire(choice, ["places_taken"])
    if full:
        raise _full([db.session.get(QuestionChoice, i) for i in full])


def release_places(registration_id: int) -> None:
    """Give back the places a registration's answers hold (when it is cancelled)."""
    ids = db.session.scalars(
        sa.select(QuestionChoice.id)
        .join(AnswerChoice, AnswerChoice.choice_id == QuestionChoice.id)
        .join(Answer, Answer.id == AnswerChoice.answer_id)
        .where(Answer.registration_id == registration_id, QuestionChoice.places.is_not(None))
        .order_by(QuestionChoice.id)).all()
    for choice_id in ids:
        _release_place(choice_id)


def delete_answers(registration_id: int) -> None:
    """Delete a registration's answers (its personal data); places must be released first."""
    db.session.execute(sa.delete(Answer).where(Answer.registration_id == registration_id))


def replace_answers(registration_id: int, current: list[Answer], cleaned: dict[int, Cleaned],
                    questions: list[Question], *, holds_places: bool) -> bool:
    """Make the registration's answers to `questions` the cleaned ones (places taken and
    given back as they change). True if anything changed. Raises FestaError 422 when a
    newly chosen choice is full."""
    by_question = {a.question_id: a for a in current}
    choices = {c.id: c for q in questions for c in q.choices}
    before = limited_choice_ids(a for a in current if a.question_id in {q.id for q in questions})
    changed = False
    for question in questions:
        answer, wanted = by_question.get(question.id), cleaned.get(question.id)
        if wanted is None:
            if answer is not None:
                db.session.delete(answer)
                changed = True
            continue
        if answer is None:
            answer = Answer(registration_id=registration_id, question_id=question.id)
            db.session.add(answer)
        new_choices = [choices[i] for i in wanted.choice_ids]
        if answer.value != wanted.value or {c.id for c in answer.choices} != set(
                wanted.choice_ids):
            answer.value, answer.choices = wanted.value, new_choices
            changed = True
    if holds_places:
        after = sorted({i for a in cleaned.values() for i in a.choice_ids
                        if choices[i].places is not None})
        change_places(set(after) - set(before), set(before) - set(after))
    return changed
