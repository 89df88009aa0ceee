"""Organizers add, order, edit and retire questions and choices; badge layout and printing."""

from __future__ import annotations

import sqlalchemy as sa

from festa.audit.models import AuditEntry
from festa.extensions import db
from festa.registration import services as registration_services
from festa.registration.questions.models import Question
from tests.factories import make_event
from tests.questions.conftest import person


def _questions(event) -> list[Question]:
    db.session.expire_all()
    return db.session.scalars(sa.select(Question).where(Question.event_id == event.id)
                              .order_by(Question.position)).all()


def test_add_edit_order_and_retire(client, auth, app):
    event = make_event()
    db.session.commit()
    auth.login("organizer")
    base = f"/manage/events/{event.id}/questions"
    assert client.get(base + "?lang=ko").status_code == 200
    response = client.post(base + "/new", data={
        "kind": "several_choices", "label_ko": "접근성 지원", "label_en": "Access support",
        "new_choices": "휠체어 | Wheelchair\n수어 통역 | Sign language | 20 | #aa3355"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    client.post(base + "/new", data={"kind": "short_text", "label_ko": "직함",
                                     "label_en": "Job title", "required": "y"})
    access, title = _questions(event)
    assert [(c.label_en, c.places, c.color) for c in access.choices] == [
        ("Wheelchair", None, "#3355aa"), ("Sign language", 20, "#aa3355")]
    assert title.required
    bad = client.post(base + "/new", data={"kind": "essay", "label_ko": "", "label_en": "x"})
    assert bad.status_code == 422
    client.post(f"/manage/questions/{title.id}/move", data={"step": "-1"})
    assert [q.label_ko for q in _questions(event)] == ["직함", "접근성 지원"]
    edited = client.post(f"/manage/questions/{access.id}/edit", data={
        "kind": "several_choices", "label_ko": "접근성 지원", "label_en": "Access needs",
        "new_choices": "자막 | Captions"})
    assert edited.status_code == 302, edited.get_data(as_text=True)[-3000:]
    assert [c.label_en for c in _questions(event)[1].choices][-1] == "Captions"
    registration_services.register(event, answers={str(title.id): "PM"}, **person())
    client.post(f"/manage/questions/{title.id}/retire", data={})
    client.post(f"/manage/questions/{access.id}/retire", data={})
    left = db.session.scalars(sa.select(Question).where(Question.event_id == event.id)).all()
    assert [(q.label_ko, q.retired_at is not None) for q in left] == [("직함", True)]
    actions = db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.action.like("question.%"))).all()
    assert {"question.create", "question.move", "question.retire", "question.delete"} <= set(
        actions)


def test_badge_layout_and_printing_from_the_list(client, auth, asked):
    registration = registration_services.register(asked.event, answers=asked.minimal(),
                                                  **person(name="이서연"))
    auth.login("organizer")
    page = f"/manage/events/{asked.event.id}/badges"
    assert client.get(page + "?lang=ko").status_code == 200
    response = client.post(page, data={"size": "a6", "per_sheet": "4",
                                       "band_question_id": str(asked.affiliation.id)})
    assert response.status_code == 302
    assert client.post(page, data={"size": "a6", "per_sheet": "8"}).status_code == 422
    every = client.get(f"/manage/events/{asked.event.id}/badges.pdf")
    assert every.status_code == 200 and every.mimetype == "application/pdf"
    one = client.get(f"/manage/registrations/{registration.id}/badge.pdf")
    assert one.status_code == 200
    actions = db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.action.like("badge.%")).order_by(AuditEntry.id)).all()
    assert actions == ["badge.layout", "badge.print_batch", "badge.print"]
