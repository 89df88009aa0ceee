"""axe-core in headless Chromium: no serious or critical violation on the public, door and
manage pages, in Korean and English, on a phone and a desktop; a form that comes back with
errors puts its error summary in focus and the count in the title."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from festa.extensions import db
from festa.program.models import Event, Session
from festa.registration import services
from tests.conftest import ARTIFACTS, DESKTOP, PHONE
from tests.factories import make_user
from tests.manage.test_browser import log_in
from tests.program.conftest import FESTA, demo  # noqa: F401  (the demo fixture)

pytestmark = pytest.mark.browser
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.fixture
def site(demo):  # noqa: F811
    if not AXE.exists():
        pytest.fail("axe-core is missing: `make assets` installs it from package.json")
    event = db.session.scalar(sa.select(Event).where(Event.slug == FESTA))
    workshop = db.session.scalar(sa.select(Session).where(
        Session.event_id == event.id, Session.reservation_required.is_(True)))
    session = db.session.scalar(sa.select(Session).where(Session.event_id == event.id))
    make_user(email="organizer@festa.test", role="admin")
    db.session.commit()
    registration = services.register(event, name="김서울", email="seoul@example.com",
                                     session_ids=[workshop.id])
    token = services.manage_token(registration)
    return {
        "public": [
            "/", f"/events/{FESTA}/", f"/events/{FESTA}/schedule",
            f"/events/{FESTA}/sessions/{session.id}", f"/events/{FESTA}/speakers",
            f"/events/{FESTA}/register", f"/registrations/confirmed/{token}",
            f"/registrations/manage/{token}", f"/tickets/{registration.ticket.code}",
            "/tickets/not-a-ticket", "/login",
        ],
        "manage": [
            "/manage/", f"/manage/events/{event.id}", "/manage/events/",
            "/manage/registrations/", f"/manage/events/{event.id}/registrations",
            f"/manage/events/{event.id}/registrations/new", "/manage/mail", "/manage/audit",
            "/manage/audit/scans", "/manage/checkin/", "/door/",
        ],
        "event": event,
    }


@pytest.mark.parametrize("viewport, lang", [("phone", "ko"), ("phone", "en"),
                                            ("desktop", "ko"), ("desktop", "en")])
def test_no_serious_violations_on_any_page(site, live_server, page_factory, viewport, lang):
    page = page_factory(PHONE if viewport == "phone" else DESKTOP, bypass_csp=True)
    found = {}
    for group in ("public", "manage"):
        if group == "manage":
            log_in(page, live_server)
        for path in site[group]:
            response = page.goto(f"{live_server}{path}?lang={lang}")
            assert response.status < 500, path
            problems = serious_violations(page)
            if problems:
                found[path] = problems
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"axe-{viewport}-{lang}.json").write_text(json.dumps(found, indent=1))
    assert found == {}


@pytest.mark.parametrize("lang, prefix", [("ko", "오류 2개 — "), ("en", "2 errors — ")])
def test_a_bad_submit_focuses_the_error_summary(site, live_server, page_factory, lang, prefix):
    page = page_factory(PHONE, bypass_csp=True)
    page.goto(f"{live_server}/events/{FESTA}/register?lang={lang}")
    page.locator("#name").fill("김서울")
    page.locator("form.register-form button[type=submit]").click()
    page.locator(".error-summary").wait_for()
    assert page.title().startswith(prefix)  # e-mail and consent
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#email"
    summary = page.locator(".error-summary").inner_text()
    assert ".:" not in summary  # the consent sentence is not glued to its error
    assert serious_violations(page) == []
