"""Registering on a phone, end to end: the form, the confirmation, the ticket's QR code."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from festa.extensions import db
from festa.registration.models import Registration
from tests.conftest import PHONE
from tests.factories import make_event, make_session

pytestmark = pytest.mark.browser


def test_register_on_a_phone_and_open_the_ticket(live_server, page_factory):
    event = make_event(name_ko="AI 서울 페스타", name_en="AI Seoul Festa", capacity=100)
    make_session(event, kind="workshop", reservation_required=True, capacity=20,
                 title_ko="프롬프트 워크숍", title_en="Prompt workshop")
    db.session.commit()

    page = page_factory(PHONE, locale="ko-KR")
    page.goto(f"{live_server}/events/{event.slug}/register?lang=ko")
    page.get_by_label("이름").fill("김서울")
    page.get_by_label("이메일", exact=True).fill("seoul@example.com")
    page.get_by_label("프롬프트 워크숍").check()
    consent = page.get_by_label("위와 같이 개인정보를 수집·이용하는 데 동의합니다.")
    consent.check()
    submit = page.get_by_role("button", name="등록하기")
    assert submit.bounding_box()["height"] >= 44
    submit.click()

    page.wait_for_url("**/registrations/confirmed/**")
    assert page.locator("[data-registration-status=confirmed]").is_visible()
    assert page.get_by_text("좌석 예약됨").is_visible()
    page.get_by_role("link", name="내 티켓 보기").click()

    page.wait_for_url("**/tickets/**")
    qr = page.locator("img.ticket-qr")
    qr.wait_for()
    assert page.evaluate("document.querySelector('img.ticket-qr').naturalWidth") > 0
    code = db.session.scalar(db.select(Registration)).ticket.code
    shot = Image.open(io.BytesIO(qr.screenshot()))
    assert [r.text for r in zxingcpp.read_barcodes(shot)] == [code]
