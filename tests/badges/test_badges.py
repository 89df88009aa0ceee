"""Name badges: the PDF holds the Korean name and organisation as text, its rendered page
holds a QR code that decodes to the ticket code; layouts; the API's access and audit."""

from __future__ import annotations

import pypdfium2
import pytest
import sqlalchemy as sa
import zxingcpp

from festa.audit.models import AuditEntry
from festa.auth.services import create_api_token
from festa.badges import services
from festa.badges.pdf import Badge, badges_pdf
from festa.extensions import db
from festa.registration import services as registration_services
from festa.registration.questions.services import create_question
from tests.checkin.helpers import device_token, room_checkpoint, setup_event
from tests.factories import make_event, make_user
from tests.questions.conftest import choice


def text_of(pdf: bytes) -> list[str]:
    """Each page's text as PDFium extracts it (line breaks and spaces removed)."""
    document = pypdfium2.PdfDocument(pdf)
    return ["".join(page.get_textpage().get_text_range().split()) for page in document]


def page_size(pdf: bytes, page: int = 0) -> tuple[float, float]:
    """(width, height) in mm."""
    width, height = pypdfium2.PdfDocument(pdf)[page].get_size()
    return width / 72 * 25.4, height / 72 * 25.4


def decoded(pdf: bytes, page: int = 0) -> list[str]:
    """QR codes read from the page rendered at 300 dpi (as pdftoppm -r 300 would)."""
    document = pypdfium2.PdfDocument(pdf)
    image = document[page].render(scale=300 / 72).to_pil()
    return [result.text for result in zxingcpp.read_barcodes(image)]


@pytest.fixture
def registered(app):
    event = make_event(capacity=None, name_ko="AI 서울 페스타", name_en="AI Seoul Festa")
    db.session.commit()
    question = create_question(event, kind="one_choice", label_ko="소속 유형",
                               label_en="Affiliation", required=True,
                               choices=[choice("공공기관", "Public sector", "#d62728"),
                                        choice("기업", "Company", "#1f77b4")])
    registration = registration_services.register(
        event, "김민지", "minji@example.com", organization="서울특별시 디지털정책과",
        answers={str(question.id): question.choices[0].id})
    services.save_layout(event, "card", 1, question.id)
    return event, registration, question


def test_badge_has_korean_name_organisation_band_and_a_readable_qr(registered):
    event, registration, _question = registered
    pdf = services.render(event, [registration])
    [page] = text_of(pdf)
    assert "김민지" in page and "서울특별시디지털정책과" in page
    assert "공공기관" in page and "AI서울페스타" in page
    assert decoded(pdf) == [registration.ticket.code]
    assert page_size(pdf) == pytest.approx((90, 55), abs=0.1)


def test_latin_names_and_several_per_sheet(app):
    badges = [Badge("Festa", f"Person {n}", "Example Inc.") for n in range(10)]
    badges.insert(0, Badge("Festa", "Jerry Kaplan", "Stanford", "Company", "#1f77b4"))
    pdf = badges_pdf(badges, "card", 8)
    pages = text_of(pdf)
    assert len(pages) == 2 and "JerryKaplan" in pages[0] and "Person9" in pages[1]
    assert page_size(pdf) == pytest.approx((210, 297), abs=0.1)
    a6 = badges_pdf(badges[:5], "a6", 4)
    assert len(text_of(a6)) == 2


def test_layout_limits(registered):
    event, _registration, _question = registered
    with pytest.raises(Exception) as caught:
        services.save_layout(event, "a6", 8, None)
    assert caught.value.fields == {"per_sheet": caught.value.fields["per_sheet"]}


def _prints(registration) -> list[AuditEntry]:
    return db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.target_type == "registration", AuditEntry.target_id == registration.id,
        AuditEntry.action.like("badge.%")).order_by(AuditEntry.id)).all()


def test_api_badge_for_organizers_and_the_event_door_staff(client, registered):
    event, registration, _question = registered
    url = f"/api/v1/registrations/{registration.id}/badge.pdf"
    assert client.get(url).status_code == 401
    organizer = make_user(email="organizer@festa.test", role="organizer")  # on the team
    db.session.commit()
    token = create_api_token(organizer)
    db.session.commit()
    response = client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "김민지" in text_of(response.data)[0]
    door = device_token(room_checkpoint(event, name="Desk"))
    response = client.get(url, headers={"Authorization": f"Bearer {door}"})
    assert response.status_code == 200 and response.headers["X-Badge-Print"] == "badge.reprint"
    entries = _prints(registration)
    assert [e.action for e in entries] == ["badge.print", "badge.reprint"]
    assert entries[0].user_id == organizer.id and entries[1].device_id is not None
    other, _entrance, _holders = setup_event(tickets=0)
    stranger = device_token(room_checkpoint(other, name="Elsewhere"))
    assert client.get(url, headers={"Authorization": f"Bearer {stranger}"}).status_code == 403
    outsider = create_api_token(make_user(email="outsider@festa.test", role="organizer"))
    db.session.commit()
    response = client.get(url, headers={"Authorization": f"Bearer {outsider}"})
    assert response.status_code == 404  # another team's organizer


def test_openapi_lists_the_badge(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/registrations/{registration_id}/badge.pdf" in paths
