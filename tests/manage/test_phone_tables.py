"""The back office on a phone (390 px): each manage table is a card per row, nothing runs off
the side, no value is squeezed to one character per line, and destructive actions wait
behind a menu and a confirmation that names the person."""

from __future__ import annotations

import pytest

from festa.audit.services import record
from festa.checkin.models import Checkpoint, Scan
from festa.extensions import db
from festa.registration import services
from tests.conftest import ARTIFACTS, DESKTOP, PHONE
from tests.factories import make_event, make_session, make_user
from tests.manage.test_browser import log_in

pytestmark = pytest.mark.browser

LONG_NAME = "남궁민수 (서울특별시 디지털정책관 인공지능정책과)"
LONG_EMAIL = "namgung.minsu.digital-policy@seoul-metropolitan-government.go.kr"


@pytest.fixture
def busy_event(app):
    event = make_event(name_ko="AI 서울 페스타 2027", name_en="AI Seoul Festa 2027",
                       capacity=100)
    workshop = make_session(event, kind="workshop", reservation_required=True, capacity=20,
                            title_ko="처음 만드는 AI 챗봇", title_en="Build your first AI chatbot")
    admin = make_user(email="organizer@festa.test", role="admin")
    db.session.commit()
    people = [services.register(event, name=LONG_NAME, email=LONG_EMAIL,
                                organization="서울특별시", session_ids=[workshop.id])]
    people += [services.register(event, name=f"참가자 {n}", email=f"person{n}@example.com")
               for n in range(3)]
    services.cancel_registration(people[-1], by=admin)
    checkpoint = Checkpoint(event=event, name="정문 입구 (1층 로비)", is_entrance=True)
    db.session.add(checkpoint)
    db.session.flush()
    db.session.add(Scan(checkpoint_id=checkpoint.id, ticket_id=people[0].ticket.id,
                        user_id=admin.id, result="ok"))
    record("registration.resend_ticket", people[0], user_id=admin.id,
           details={"reason": LONG_EMAIL})
    db.session.commit()
    return event, people


def _check_no_squeeze(page, table: str) -> None:
    """No sideways scroll; every non-empty cell at least a word wide."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    widths = page.evaluate(f"""Array.from(document.querySelectorAll('{table} td'))
        .filter(td => td.textContent.trim() && td.offsetParent)
        .map(td => [td.getBoundingClientRect().width, td.textContent.trim().slice(0, 20)])""")
    assert widths, table
    narrow = [text for width, text in widths if width < 120]
    assert narrow == []


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_manage_tables_are_cards_on_a_phone(busy_event, live_server, page_factory, lang):
    event, people = busy_event
    page = page_factory(PHONE)
    log_in(page, live_server)
    pages = {
        "registrations": f"/manage/events/{event.id}/registrations",
        "registrations-index": "/manage/registrations/",
        "mail": "/manage/mail",
        "audit": "/manage/audit",
        "scans": "/manage/audit/scans",
        "events": "/manage/events/",
    }
    for name, path in pages.items():
        page.goto(f"{live_server}{path}?lang={lang}")
        _check_no_squeeze(page, "table.cards")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"manage-{name}-phone-{lang}.png"), full_page=True)
    # The person's card: the name on top, the e-mail on one line or two, not forty.
    page.goto(f"{live_server}{pages['registrations']}?lang={lang}")
    row = page.locator(f"tr[data-registration='{people[0].id}']")
    email = row.locator("td").nth(1)
    assert email.bounding_box()["height"] < 80


def test_cancelling_on_a_phone_goes_through_a_menu_and_a_named_confirmation(
        busy_event, live_server, page_factory):
    event, people = busy_event
    page = page_factory(PHONE)
    log_in(page, live_server)
    page.goto(f"{live_server}/manage/events/{event.id}/registrations?lang=ko")
    row = page.locator(f"tr[data-registration='{people[0].id}']")
    assert row.locator("button.danger, .button.danger").count() == 0
    row.locator("summary").click()
    row.get_by_role("link", name="등록 취소…").click()
    page.wait_for_url("**/cancel?**")
    assert LONG_NAME in page.get_by_role("heading", level=1).inner_text()
    page.get_by_role("button", name="등록 취소").click()
    page.wait_for_url(f"**/manage/events/{event.id}/registrations**")
    db.session.expire_all()
    assert people[0].status == "cancelled"


def test_desktop_keeps_the_table(busy_event, live_server, page_factory):
    event, _people = busy_event
    page = page_factory(DESKTOP)
    log_in(page, live_server)
    page.goto(f"{live_server}/manage/events/{event.id}/registrations?lang=en")
    assert page.locator("table.registrations-table thead").is_visible()
    assert page.evaluate("getComputedStyle(document.querySelector("
                         "'table.registrations-table tr')).display") == "table-row"
