"""The ticket on a phone: a QR large enough to scan, which a decoder reads off the screen."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from festa.extensions import db
from tests.conftest import PHONE
from tests.factories import make_event, make_room, make_session, make_ticket, seoul

pytestmark = pytest.mark.browser


def test_ticket_page_on_a_phone(live_server, page_factory, tmp_path):
    event = make_event(name_ko="AI 서울 페스타 2026", name_en="AI Seoul Festa 2026")
    room = make_room(venue=event.venue, name_ko="아셈볼룸 201호", name_en="ASEM Ballroom 201")
    workshop = make_session(event, room, start=seoul(event.start_date, 14),
                            title_ko="생성형 AI로 만드는 서울 지도", reservation_required=True,
                            title_en="Mapping Seoul with generative AI", capacity=30)
    ticket = make_ticket(event=event, sessions=[workshop], name="김서울",
                         organization="서울AI재단")
    db.session.commit()

    page = page_factory(PHONE, device_scale_factor=2, locale="ko-KR")
    page.goto(f"{live_server}/tickets/{ticket.code}?lang=ko")
    qr = page.locator("img.ticket-qr")
    qr.wait_for()
    assert page.evaluate("document.querySelector('img.ticket-qr').naturalWidth") > 0
    box = qr.bounding_box()
    assert box["width"] >= 280 and box["height"] >= 280
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]  # fits the screen
    assert page.get_by_text("김서울").is_visible()
    assert page.get_by_role("link", name="캘린더에 추가").is_visible()
    assert page.get_by_role("button", name="티켓 인쇄").is_visible()  # shown by ticket.js

    shot = Image.open(io.BytesIO(qr.screenshot()))
    assert [r.text for r in zxingcpp.read_barcodes(shot)] == [ticket.code]
    page.screenshot(path=str(tmp_path / "ticket-phone.png"), full_page=True)

    page.emulate_media(media="print")
    assert not page.locator(".ticket-actions").is_visible()
    assert page.locator("img.ticket-qr").is_visible()
