"""The demo Festa asks 소속 유형 (required), 참가 경로 and 접근성 지원 (수어 통역 for 20)."""

from __future__ import annotations

import sqlalchemy as sa

from festa.badges.models import BadgeLayout
from festa.extensions import db
from festa.registration.questions.models import Question


def test_demo_festa_asks_its_questions_once(runner):
    assert runner.invoke(args=["festa", "demo"]).exit_code == 0
    assert runner.invoke(args=["festa", "demo"]).exit_code == 0
    questions = db.session.scalars(sa.select(Question).order_by(Question.position)).all()
    assert [(q.label_ko, q.kind, q.required) for q in questions] == [
        ("소속 유형", "one_choice", True), ("참가 경로", "one_choice", False),
        ("접근성 지원", "several_choices", False)]
    sign = next(c for c in questions[2].choices if c.label_ko == "수어 통역")
    assert sign.places == 20
    layout = db.session.get(BadgeLayout, questions[0].event_id)
    assert layout.band_question_id == questions[0].id
