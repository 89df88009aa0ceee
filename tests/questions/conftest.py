"""An event asking one question of each kind (and one only of a workshop's attendees)."""

from __future__ import annotations

import itertools

import pytest

from festa.extensions import db
from festa.registration.questions import services
from tests.factories import make_event, make_session

_people = itertools.count(1)

AFFILIATIONS = [("기업", "Company", "#1f77b4"), ("대학", "University", "#2ca02c"),
                ("공공기관", "Public sector", "#d62728"), ("학생", "Student", "#9467bd")]


def person(**fields) -> dict:
    n = next(_people)
    return {"name": f"참가자 {n}", "email": f"asker{n}@example.com"} | fields


def choice(ko: str, en: str, color: str = "#3355aa", places: int | None = None) -> dict:
    return {"label_ko": ko, "label_en": en, "color": color, "places": places}


class Asked:
    """The event and its questions by kind."""

    def __init__(self) -> None:
        self.event = make_event(capacity=None)
        self.workshop = make_session(self.event, kind="workshop", capacity=10,
                                     reservation_required=True)
        db.session.commit()
        q = services.create_question
        event = self.event
        self.affiliation = q(event, kind="one_choice", label_ko="소속 유형",
                             label_en="Affiliation type", required=True,
                             choices=[choice(*a) for a in AFFILIATIONS])
        self.access = q(event, kind="several_choices", label_ko="접근성 지원",
                        label_en="Access needs",
                        choices=[choice("휠체어", "Wheelchair"),
                                 choice("수어 통역", "Sign-language interpretation",
                                        places=2)])
        self.title = q(event, kind="short_text", label_ko="직함", label_en="Job title")
        self.note = q(event, kind="long_text", label_ko="하고 싶은 말", label_en="Anything else")
        self.vegan = q(event, kind="yes_no", label_ko="채식", label_en="Vegetarian meal")
        self.years = q(event, kind="number", label_ko="경력(년)", label_en="Years of experience")
        self.country = q(event, kind="country", label_ko="국가", label_en="Country")
        self.laptop = q(event, kind="yes_no", label_ko="노트북 지참", label_en="Bringing a laptop",
                        required=True, session_id=self.workshop.id)

    def choice_id(self, question, index: int = 0) -> int:
        return question.choices[index].id

    def sign_language(self) -> int:
        return self.access.choices[1].id

    def minimal(self) -> dict:
        """Answers to the required questions asked of everyone."""
        return {str(self.affiliation.id): self.choice_id(self.affiliation)}


@pytest.fixture
def asked(app) -> Asked:
    return Asked()
