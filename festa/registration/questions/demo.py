"""The questions the demo Festa asks (as Korean conference registrations usually do)."""

from __future__ import annotations

import sqlalchemy as sa

from festa.extensions import db
from festa.program.models import Event
from festa.registration.questions.models import Question
from festa.registration.questions.services import create_question


def _choices(*rows: tuple) -> list[dict]:
    return [{"label_ko": ko, "label_en": en, "color": color, "places": places}
            for ko, en, color, places in rows]


DEMO_QUESTIONS = [
    {"kind": "one_choice", "label_ko": "소속 유형", "label_en": "Affiliation type",
     "required": True, "help_ko": "명찰 아래 띠 색으로도 표시됩니다.",
     "help_en": "Also shown as the coloured band of your name badge.",
     "choices": _choices(("기업", "Company", "#1f6fb4", None),
                         ("대학·연구기관", "University or research institute", "#2e8b57", None),
                         ("공공기관", "Public sector", "#c0392b", None),
                         ("학생", "Student", "#7d3c98", None),
                         ("시민", "Citizen", "#d68910", None))},
    {"kind": "one_choice", "label_ko": "참가 경로", "label_en": "How did you hear about us?",
     "choices": _choices(("서울시 누리집", "Seoul city website", "#3355aa", None),
                         ("SNS", "Social media", "#3355aa", None),
                         ("지인 추천", "A friend or colleague", "#3355aa", None),
                         ("언론 보도", "News", "#3355aa", None),
                         ("기타", "Other", "#3355aa", None))},
    {"kind": "several_choices", "label_ko": "접근성 지원", "label_en": "Access support",
     "help_ko": "필요한 지원을 모두 고르세요. 수어 통역은 20명까지 제공합니다.",
     "help_en": "Choose every kind of support you need. Sign-language interpretation is "
                "available for 20 people.",
     "choices": _choices(("휠체어 접근", "Wheelchair access", "#3355aa", None),
                         ("수어 통역", "Sign-language interpretation", "#3355aa", 20),
                         ("문자 통역(자막)", "Live captions", "#3355aa", None),
                         ("채식 식사", "Vegetarian meal", "#3355aa", None))},
]


def add_demo_questions(event: Event) -> Question | None:
    """Ask the demo questions unless the event asks some already (idempotent). Returns the
    question whose answer makes the badge band (소속 유형), when they were added."""
    if db.session.scalar(sa.select(sa.exists().where(Question.event_id == event.id))):
        return None
    created = [create_question(event, **dict(q)) for q in DEMO_QUESTIONS]
    return created[0]
