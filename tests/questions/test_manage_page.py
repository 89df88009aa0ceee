"""The attendee changes their answers on the manage page until registration closes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from festa.extensions import db
from festa.registration import services
from festa.registration.questions.models import Answer
from festa.registration.tokens import manage_token
from tests.questions.conftest import person


def test_manage_page_shows_and_changes_answers(client, asked):
    a = asked
    registration = services.register(a.event, answers=a.minimal() | {str(a.title.id): "PM"},
                                      **person())
    url = f"/registrations/manage/{manage_token(registration)}"
    page = client.get(url + "?lang=ko").get_data(as_text=True)
    assert "답변" in page and 'value="PM"' in page
    data = {f"q{a.affiliation.id}": str(a.choice_id(a.affiliation, 3)),
            f"q{a.title.id}": "CTO", f"q{a.country.id}": "KR"}
    response = client.post(url + "/answers", data=data)
    assert response.status_code == 302
    stored = {x.question_id: x for x in db.session.scalars(sa.select(Answer))}
    assert stored[a.title.id].value == "CTO" and stored[a.country.id].value == "KR"
    assert [c.label_ko for c in stored[a.affiliation.id].choices] == ["학생"]
    bad = client.post(url + "/answers?lang=en", data=data | {f"q{a.years.id}": "lots"})
    assert bad.status_code == 422 and "Please enter a number." in bad.get_data(as_text=True)
    a.event.registration_closes_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    page = client.get(url + "?lang=ko").get_data(as_text=True)
    assert "CTO" in page and f'name="q{a.title.id}"' not in page
    closed = client.post(url + "/answers", data=data | {f"q{a.title.id}": "CEO"})
    assert closed.status_code == 302
    db.session.expire_all()
    assert db.session.get(Answer, stored[a.title.id].id).value == "CTO"
