"""Questions over the API: GET /api/v1/events/{slug} lists them; POST registrations takes
`answers` keyed by question id and answers 422 naming the question."""

from __future__ import annotations

from tests.questions.conftest import person


def test_event_lists_its_questions_in_the_request_language(client, asked):
    data = client.get(f"/api/v1/events/{asked.event.slug}?lang=en").get_json()
    assert data["slug"] == asked.event.slug and "registration_open" in data
    questions = {q["id"]: q for q in data["questions"]}
    affiliation = questions[asked.affiliation.id]
    assert affiliation["kind"] == "one_choice" and affiliation["required"] is True
    assert affiliation["label"] == "Affiliation type"
    assert [c["label"] for c in affiliation["choices"]] == [
        "Company", "University", "Public sector", "Student"]
    access = questions[asked.access.id]["choices"]
    assert "left" not in access[0] and access[1]["left"] == 2
    assert questions[asked.laptop.id]["session_id"] == asked.workshop.id
    assert {q["kind"] for q in data["questions"]} == {
        "one_choice", "several_choices", "short_text", "long_text", "yes_no", "number",
        "country"}
    korean = client.get(f"/api/v1/events/{asked.event.slug}?lang=ko").get_json()
    assert korean["questions"][0]["label"] == "소속 유형"


def test_post_with_answers(client, asked):
    body = person(consent=True, answers={
        str(asked.affiliation.id): asked.choice_id(asked.affiliation, 3),
        str(asked.access.id): [asked.sign_language()], str(asked.vegan.id): False,
        str(asked.years.id): 3, str(asked.country.id): "JP"})
    response = client.post(f"/api/v1/events/{asked.event.slug}/registrations", json=body)
    assert response.status_code == 201, response.get_json()
    left = client.get(f"/api/v1/events/{asked.event.slug}").get_json()["questions"][1]
    assert left["choices"][1]["left"] == 1


def test_bad_answer_is_422_naming_the_question(client, asked):
    for lang, label in (("ko", "국가"), ("en", "Country")):
        body = person(consent=True, answers=asked.minimal() | {str(asked.country.id): "ZZ"})
        response = client.post(f"/api/v1/events/{asked.event.slug}/registrations?lang={lang}",
                               json=body)
        assert response.status_code == 422
        error = response.get_json()["error"]
        assert error["code"] == "validation_error"
        assert list(error["fields"]) == [f"answers.{asked.country.id}"]
        assert label in error["message"]


def test_missing_required_answer_is_422(client, asked):
    response = client.post(f"/api/v1/events/{asked.event.slug}/registrations",
                           json=person(consent=True))
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == [f"answers.{asked.affiliation.id}"]
