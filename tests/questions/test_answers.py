"""Answers through the registration service: every kind validated, session questions,
limited choices, changes until registration closes, cancellation and deleted data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import flask_babel
import pytest
import sqlalchemy as sa

from festa.errors import FestaError
from festa.extensions import db
from festa.registration import services
from festa.registration.questions.models import Answer, QuestionChoice
from festa.registration.retention import run_retention
from tests.questions.conftest import person


def register(asked, answers, **fields):
    return services.register(asked.event, answers=answers, **person(**fields))


def refused(asked, answers, **fields) -> dict:
    with pytest.raises(FestaError) as caught:
        register(asked, answers, **fields)
    assert caught.value.status == 422
    return caught.value.fields


def answers_of(registration) -> dict[int, Answer]:
    rows = db.session.scalars(sa.select(Answer).where(
        Answer.registration_id == registration.id)).all()
    return {a.question_id: a for a in rows}


def test_every_kind_is_stored(asked):
    a = asked
    registration = register(a, {
        str(a.affiliation.id): a.choice_id(a.affiliation, 1),
        str(a.access.id): [a.choice_id(a.access, 0), a.sign_language()],
        str(a.title.id): "  연구원 ", str(a.note.id): "여러 줄\n메모", str(a.vegan.id): True,
        str(a.years.id): "12.50", str(a.country.id): "kr"})
    stored = answers_of(registration)
    assert [c.label_ko for c in stored[a.affiliation.id].choices] == ["대학"]
    assert [c.label_en for c in stored[a.access.id].choices] == [
        "Wheelchair", "Sign-language interpretation"]
    assert stored[a.title.id].value == "연구원"
    assert stored[a.vegan.id].value == "yes"
    assert stored[a.years.id].value == "12.5"
    assert stored[a.country.id].value == "KR"
    assert a.laptop.id not in stored  # the workshop was not reserved
    assert db.session.get(QuestionChoice, a.sign_language()).places_taken == 1


@pytest.mark.parametrize(("question", "value"), [
    ("affiliation", None), ("affiliation", 999999), ("affiliation", [1, 2]),
    ("access", [999999]), ("title", "x" * 301), ("title", 5), ("vegan", "maybe"),
    ("years", "twelve"), ("years", "1e20"), ("years", True), ("country", "XX"),
])
def test_bad_answers_are_422_naming_the_question(asked, question, value):
    target = getattr(asked, question)
    answers = asked.minimal() | {str(target.id): value}
    fields = refused(asked, answers)
    assert list(fields) == [f"answers.{target.id}"]


def test_unknown_question_and_required_missing(asked):
    fields = refused(asked, {"424242": "hello"})
    assert set(fields) == {"answers.424242", f"answers.{asked.affiliation.id}"}


def test_the_message_names_the_question_in_both_languages(asked, app):
    for lang, label in (("ko", "소속 유형"), ("en", "Affiliation type")):
        with app.test_request_context(f"/?lang={lang}"):
            flask_babel.refresh()  # the locale is cached on the app context's g
            with pytest.raises(FestaError) as caught:
                register(asked, {})
            assert label in caught.value.message


def test_session_question_is_required_only_with_its_session(asked):
    fields = refused(asked, asked.minimal(), session_ids=[asked.workshop.id])
    assert list(fields) == [f"answers.{asked.laptop.id}"]
    registration = register(asked, asked.minimal() | {str(asked.laptop.id): "no"},
                            session_ids=[asked.workshop.id])
    assert answers_of(registration)[asked.laptop.id].value == "no"


def test_limited_choice_refuses_when_full_and_frees_on_cancel(asked):
    wanting = asked.minimal() | {str(asked.access.id): [asked.sign_language()]}
    first = register(asked, wanting)
    register(asked, wanting)
    fields = refused(asked, wanting)
    assert "No places left" in fields[f"answers.{asked.access.id}"][0] or \
        fields[f"answers.{asked.access.id}"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 2 * 1 + 2 * 1
    services.cancel_registration(first)
    assert db.session.get(QuestionChoice, asked.sign_language()).places_taken == 1
    register(asked, wanting)
    assert db.session.get(QuestionChoice, asked.sign_language()).places_taken == 2


def test_change_answers_moves_the_places(asked):
    wanting = asked.minimal() | {str(asked.access.id): [asked.sign_language()]}
    registration = register(asked, wanting)
    changed = services.change_answers(registration, asked.minimal() | {
        str(asked.access.id): [asked.choice_id(asked.access, 0)], str(asked.title.id): "PM"})
    assert changed
    assert db.session.get(QuestionChoice, asked.sign_language()).places_taken == 0
    stored = answers_of(registration)
    assert stored[asked.title.id].value == "PM"
    assert not services.change_answers(registration, asked.minimal() | {
        str(asked.access.id): [asked.choice_id(asked.access, 0)], str(asked.title.id): "PM"})
    with pytest.raises(FestaError) as caught:
        services.change_answers(registration, {})
    assert caught.value.status == 422


def test_answers_cannot_change_after_registration_closes(asked):
    registration = register(asked, asked.minimal())
    asked.event.registration_closes_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(FestaError) as caught:
        services.change_answers(registration, asked.minimal())
    assert caught.value.code == "registration_closed"


def test_deleting_my_data_deletes_the_answers_and_frees_places(asked):
    registration = register(asked, asked.minimal() | {
        str(asked.access.id): [asked.sign_language()], str(asked.title.id): "CTO"})
    services.anonymize(registration)
    assert answers_of(registration) == {}
    assert db.session.get(QuestionChoice, asked.sign_language()).places_taken == 0


def test_retention_removes_the_answers(asked):
    registration = register(asked, asked.minimal() | {str(asked.title.id): "CTO"})
    assert answers_of(registration)
    run_retention(asked.event.erase_after)
    db.session.expire_all()
    assert answers_of(registration) == {}
