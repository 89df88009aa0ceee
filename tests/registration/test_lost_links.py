"""A code that is not a ticket gets a ticket-specific page offering the manage links again;
asking for them never reveals whether an address is registered."""

from __future__ import annotations

import pytest

from festa.registration import services
from tests.conftest import ARTIFACTS, PHONE
from tests.factories import make_event
from tests.registration.conftest import mails, person


@pytest.mark.parametrize("lang, title", [("ko", "티켓을 찾을 수 없습니다"),
                                         ("en", "Ticket not found")])
def test_unknown_ticket_code_has_its_own_page(client, lang, title):
    response = client.get(f"/tickets/not-a-real-ticket-code?lang={lang}")
    html = response.get_data(as_text=True)
    assert response.status_code == 404 and title in html
    assert 'action="/registrations/manage-links"' in html and 'name="link-email"' in html


def test_resending_mails_every_link_of_the_address_and_reveals_nothing(client, event):
    other = make_event()
    first = services.register(event, **person(email="twice@example.com"))
    second = services.register(other, **person(email="twice@example.com"))
    known = client.post("/registrations/manage-links?lang=en",
                        data={"link-email": "Twice@Example.com"}, follow_redirects=True)
    assert [m.registration_id for m in mails("manage_link")] == [first.id, second.id]
    unknown = client.post("/registrations/manage-links?lang=en",
                          data={"link-email": "nobody@example.com"}, follow_redirects=True)
    assert len(mails("manage_link")) == 2
    message = "If this address is registered for an upcoming event"
    assert message in known.get_data(as_text=True) and message in unknown.get_data(as_text=True)


@pytest.mark.browser
def test_ticket_not_found_on_a_phone(live_server, page_factory):
    page = page_factory(PHONE)
    page.goto(f"{live_server}/tickets/abc?lang=ko")
    assert page.get_by_role("heading", level=1).inner_text() == "티켓을 찾을 수 없습니다"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ticket-not-found-phone-ko.png"), full_page=True)
    page.locator("#link-email").fill("someone@example.com")
    page.get_by_role("button", name="관리 링크 다시 받기").click()
    page.wait_for_url(f"{live_server}/")
    assert "등록 관리 링크를 지금 보내 드렸습니다" in page.locator(".flashes").inner_text()
