"""Questions on the registration page, in both languages, with errors on the fields."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from festa.extensions import db
from festa.registration.models import Registration
from festa.registration.questions.models import Answer
from tests.questions.conftest import person


def form_data(asked, **answers) -> dict:
    data = person() | {"locale": "ko", "consent": "y"}
    data |= {f"q{key}": value for key, value in answers.items()}
    return data


def test_page_shows_every_question_in_both_languages(client, asked):
    korean = client.get(f"/events/{asked.event.slug}/register?lang=ko").get_data(as_text=True)
    for label in ("소속 유형", "접근성 지원", "직함", "채식", "경력(년)", "국가", "노트북 지참"):
        assert label in korean
    assert "대한민국" in korean and "남은 자리" in korean or "places left" in korean
    english = client.get(f"/events/{asked.event.slug}/register?lang=en").get_data(as_text=True)
    assert "Affiliation type" in english and "Job title (optional)" in english
    assert "South Korea" in english


def test_page_registers_with_answers(client, asked):
    a = asked
    data = form_data(a, **{str(a.affiliation.id): str(a.choice_id(a.affiliation, 2)),
                           str(a.access.id): [str(a.sign_language())],
                           str(a.vegan.id): "yes", str(a.years.id): "7",
                           str(a.country.id): "KR", str(a.title.id): "주무관"})
    response = client.post(f"/events/{a.event.slug}/register", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    registration = db.session.scalar(sa.select(Registration))
    values = {ans.question_id: ans for ans in db.session.scalars(sa.select(Answer).where(
        Answer.registration_id == registration.id))}
    assert values[a.title.id].value == "주무관" and values[a.country.id].value == "KR"
    assert [c.label_ko for c in values[a.affiliation.id].choices] == ["공공기관"]


def test_page_shows_answer_errors_on_their_fields(client, asked):
    for lang, message in (("ko", "숫자"), ("en", "Please enter a number.")):
        data = form_data(asked, **{str(asked.years.id): "many"})
        response = client.post(f"/events/{asked.event.slug}/register?lang={lang}", data=data)
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert f'id="q{asked.years.id}-error"' in page
        assert f'id="q{asked.affiliation.id}-error"' in page
        if lang == "en":
            assert message in page


@pytest.mark.browser
def test_a_session_question_appears_once_its_session_is_ticked(live_server, page_factory, asked):
    from tests.conftest import PHONE

    page = page_factory(PHONE)
    page.goto(f"{live_server}/events/{asked.event.slug}/register?lang=en")
    laptop = page.locator(f"[data-question='{asked.laptop.id}']")
    everyone = page.locator(f"[data-question='{asked.affiliation.id}']")
    assert laptop.is_hidden() and everyone.is_visible()
    page.locator(f"input[name=sessions][value='{asked.workshop.id}']").check()
    assert laptop.is_visible()
    page.locator(f"input[name=sessions][value='{asked.workshop.id}']").uncheck()
    assert laptop.is_hidden()
