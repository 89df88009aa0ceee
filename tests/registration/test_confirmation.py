"""After registering: the confirmation shows the ticket's QR code with the next steps, says
the outcome once, and the ticket page leads to the manage page only for the link holder."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from festa.registration import services
from tests.conftest import ARTIFACTS, DESKTOP, PHONE
from tests.registration.conftest import person


def confirmation_path(registration) -> str:
    return f"/registrations/confirmed/{services.manage_token(registration)}"


def test_the_outcome_is_said_once(client, event):
    registration = services.register(event, **person())
    html = client.get(confirmation_path(registration) + "?lang=ko").get_data(as_text=True)
    main = html.split('<main', 1)[1].split("</main>", 1)[0]
    assert main.count("완료되었습니다") == 1 and "확정되었습니다" not in main
    assert f"/tickets/{registration.ticket.code}/qr.svg" in main
    assert "링크 복사" in main and "캘린더에 추가" in main and "내 등록 관리" in main


def test_ticket_page_links_to_manage_only_for_the_link_holder(app, client, event):
    registration = services.register(event, **person())
    ticket_path = f"/tickets/{registration.ticket.code}?lang=en"
    manage = f"/registrations/manage/{services.manage_token(registration)}"
    assert manage not in client.get(ticket_path).get_data(as_text=True)  # code only
    client.get(manage)
    assert manage in client.get(ticket_path).get_data(as_text=True)
    with app.test_client() as stranger:
        assert "/registrations/manage/" not in stranger.get(ticket_path).get_data(as_text=True)


def test_a_ticket_cancelled_by_the_attendee_reads_cancelled(client, event):
    registration = services.register(event, **person())
    services.cancel_registration(registration)
    html = client.get(f"/tickets/{registration.ticket.code}?lang=en").get_data(as_text=True)
    assert ">Cancelled</span>" in html and ">Revoked</span>" not in html


@pytest.mark.browser
@pytest.mark.parametrize("viewport, lang", [("phone", "ko"), ("desktop", "en")])
def test_confirmation_shows_a_scannable_qr_and_copies_the_link(live_server, page_factory,
                                                              event, viewport, lang):
    registration = services.register(event, **person())
    page = page_factory(PHONE if viewport == "phone" else DESKTOP)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"{live_server}{confirmation_path(registration)}?lang={lang}")
    qr = page.locator("img.ticket-qr")
    qr.wait_for()
    assert qr.bounding_box()["y"] + qr.bounding_box()["height"] <= page.viewport_size["height"]
    page.wait_for_function("() => document.querySelector('img.ticket-qr').naturalWidth > 0")
    shot = Image.open(io.BytesIO(qr.screenshot()))
    assert [r.text for r in zxingcpp.read_barcodes(shot)] == [registration.ticket.code]
    page.get_by_role("button", name="링크 복사" if lang == "ko" else "Copy link").click()
    page.locator(".copy-status").filter(has_text="복사" if lang == "ko" else "copied").wait_for()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied.startswith(f"{live_server}/registrations/manage/")
    token = copied.rsplit("/", 1)[1]
    assert services.registration_for_manage_token(token).id == registration.id
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"confirmation-{viewport}-{lang}.png"), full_page=True)
