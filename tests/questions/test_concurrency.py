"""A limited choice under a rush from several processes: never more holders than places,
the counter equal to the holders, every refusal a 422 naming the question."""

from __future__ import annotations

import multiprocessing

import pytest
import sqlalchemy as sa

from festa.extensions import db
from festa.registration.questions.models import Answer, AnswerChoice, QuestionChoice
from festa.registration.questions.services import create_question
from tests.factories import make_event, make_session
from tests.questions.conftest import choice


def _worker(url: str, event_id: int, question_id: int, choice_id: int, prefix: str,
            count: int, barrier, results) -> None:
    from festa import create_app
    from festa.errors import FestaError
    from festa.program.models import Event
    from festa.registration import services
    from tests.conftest import test_config

    app = create_app(test_config(url))
    outcome = []
    with app.app_context():
        barrier.wait(timeout=120)
        for n in range(count):
            event = db.session.get(Event, event_id)
            try:
                services.register(event, f"참가자 {prefix}{n}", f"{prefix}{n}@example.com",
                                  answers={str(question_id): [choice_id]},
                                  session_ids=[] if n % 2 else [event.sessions[0].id])
                outcome.append("ok")
            except FestaError as error:
                db.session.rollback()
                outcome.append(f"{error.status} {sorted(error.fields)}")
            except Exception as error:  # noqa: BLE001 - every failure is reported
                db.session.rollback()
                outcome.append(f"error {error!r}")
        db.session.remove()
        db.engine.dispose()
    results.put(outcome)


def _rush(database_url: str, event, question, processes: int, each: int) -> list[str]:
    event_id, question_id, choice_id = event.id, question.id, question.choices[0].id
    db.session.remove()  # hold no connection while the children work
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(processes), ctx.Queue()
    workers = [ctx.Process(target=_worker, args=(database_url, event_id, question_id,
                                                 choice_id, f"p{n}-", each, barrier, results))
               for n in range(processes)]
    for worker in workers:
        worker.start()
    found = [item for _ in workers for item in results.get(timeout=300)]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    return found


def _holders(choice_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AnswerChoice)
                             .join(Answer, Answer.id == AnswerChoice.answer_id)
                             .where(AnswerChoice.choice_id == choice_id))


@pytest.fixture
def limited(app):
    event = make_event(capacity=12)  # some are waitlisted: they hold a place too
    make_session(event, kind="workshop", capacity=3, reservation_required=True)
    db.session.commit()
    question = create_question(event, kind="several_choices", label_ko="접근성 지원",
                               label_en="Access needs",
                               choices=[choice("수어 통역", "Sign language", places=5)])
    return event, question


def _check(question_id: int, choice_id: int, outcomes: list[str], asked: int) -> None:
    assert [o for o in outcomes if o.startswith("error")] == []
    assert outcomes.count("ok") == 5
    assert [o for o in outcomes if o != "ok"] == [
        f"422 ['answers.{question_id}']"] * (asked - 5)
    assert db.session.get(QuestionChoice, choice_id).places_taken == 5 == _holders(choice_id)


@pytest.mark.postgres
def test_postgres_rush_never_passes_the_limit(limited, database_url, is_postgres):
    if not is_postgres:
        pytest.skip("the multi-process rush runs against PostgreSQL")
    event, question = limited
    ids = question.id, question.choices[0].id
    _check(*ids, _rush(database_url, event, question, 4, 6), 24)


def test_small_rush_on_any_database(limited, database_url):
    event, question = limited
    ids = question.id, question.choices[0].id
    _check(*ids, _rush(database_url, event, question, 2, 4), 8)
