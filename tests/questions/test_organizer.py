"""Answers where organizers look: the list filtered by an answer, the CSV and the XLSX
(one column per question, retired ones kept), the stats API and the live dashboard."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from festa.auth.services import create_api_token
from festa.extensions import db
from festa.registration import services
from festa.registration.questions.services import retire_question
from tests.factories import make_user
from tests.questions.conftest import person


def _register(asked, affiliation_index: int, **answers):
    a = asked
    values = {str(a.affiliation.id): a.choice_id(a.affiliation, affiliation_index)}
    values |= {str(getattr(a, key).id): value for key, value in answers.items()}
    return services.register(a.event, answers=values, **person())


def _three(asked):
    first = _register(asked, 0, title="연구원", vegan="yes")
    second = _register(asked, 2, vegan="no", access=[asked.sign_language()])
    third = _register(asked, 2)
    return first, second, third


def test_list_filters_by_an_answer(client, auth, asked):
    first, second, third = _three(asked)
    auth.login("organizer")
    url = f"/manage/events/{asked.event.id}/registrations?lang=ko"
    page = client.get(url).get_data(as_text=True)
    assert "소속 유형: 공공기관" in page
    public = f"{asked.affiliation.id}:{asked.choice_id(asked.affiliation, 2)}"
    page = client.get(f"{url}&answer={public}").get_data(as_text=True)
    assert second.email in page and third.email in page and first.email not in page
    page = client.get(f"{url}&answer={asked.vegan.id}:yes").get_data(as_text=True)
    assert first.email in page and second.email not in page


def test_csv_and_xlsx_have_a_column_per_question(client, auth, asked):
    first, _second, _third = _three(asked)
    retire_question(asked.title)  # answered: retired, and still exported
    auth.login("organizer")
    csv = client.get(f"/manage/events/{asked.event.id}/registrations.csv?lang=ko")
    text = csv.get_data(as_text=True)
    header = text.splitlines()[0]
    assert "소속 유형" in header and "직함" in header and "접근성 지원" in header
    row = next(line for line in text.splitlines() if first.email in line)
    assert "기업" in row and "연구원" in row and "예" in row
    xlsx = client.get(f"/manage/events/{asked.event.id}/export/attendees.xlsx?lang=en")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    headers = list(rows[0])
    assert "Affiliation type" in headers and "Job title" in headers
    mine = next(r for r in rows if first.email in r)
    assert mine[headers.index("Affiliation type")] == "Company"
    assert mine[headers.index("Vegetarian meal")] == "Yes"


def test_stats_count_each_choice_and_the_dashboard_charts_them(client, auth, asked):
    _first, second, _third = _three(asked)
    services.cancel_registration(second)  # cancelled: no longer counted
    organizer = make_user(email="organizer@festa.test", role="organizer")
    db.session.commit()
    token = create_api_token(organizer)
    db.session.commit()
    stats = client.get(f"/api/v1/events/{asked.event.slug}/stats?lang=ko",
                       headers={"Authorization": f"Bearer {token}"}).get_json()
    questions = {q["id"]: q for q in stats["questions"]}
    counts = {c["label"]: c["count"] for c in questions[asked.affiliation.id]["choices"]}
    assert counts == {"기업": 1, "대학": 0, "공공기관": 1, "학생": 0}
    access = questions[asked.access.id]["choices"]
    assert access[1]["count"] == 0 and access[1]["places"] == 2
    auth.login("organizer")
    page = client.get(f"/manage/events/{asked.event.id}/checkin?lang=ko").get_data(as_text=True)
    assert f'data-question="{asked.affiliation.id}"' in page and "공공기관" in page
