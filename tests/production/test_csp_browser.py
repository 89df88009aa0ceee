"""The strict Content-Security-Policy holds in a real browser: the main pages load their
scripts and styles without a single CSP violation (no inline script, no stray style)."""

import pytest

from festa.extensions import db
from tests.conftest import DESKTOP, PHONE, AuthActions
from tests.factories import make_event, make_session, make_user

pytestmark = pytest.mark.browser


def _violations(page) -> list[str]:
    page.add_init_script("""
      window.__csp = [];
      document.addEventListener('securitypolicyviolation', e =>
        window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' +
                          (e.sourceFile || '') + ':' + e.lineNumber));
    """)
    messages = []
    page.on("console", lambda m: messages.append(m.text)
            if "Content Security Policy" in m.text else None)
    return messages


def test_main_pages_have_no_csp_violations(live_server, page_factory, client):
    event = make_event(capacity=50)
    make_session(event, reservation_required=True, capacity=10)
    make_user(email="csp-organizer@festa.test", role="organizer", password=AuthActions.PASSWORD)
    db.session.commit()
    ticket = client.post(f"/api/v1/events/{event.slug}/registrations", json={
        "name": "김보안", "email": "csp@example.com", "consent": True}).get_json()["ticket"]

    page = page_factory(PHONE)
    console = _violations(page)
    seen = {}
    for path in ("/", f"/events/{event.slug}/", f"/events/{event.slug}/schedule",
                 f"/events/{event.slug}/register", f"/tickets/{ticket['code']}", "/door/",
                 "/login"):
        page.goto(live_server + path)
        page.wait_for_load_state("networkidle")
        seen[path] = page.evaluate("window.__csp")
    desk = page_factory(DESKTOP)
    console += _violations(desk)
    desk.goto(live_server + "/login")
    desk.fill("input[name=email]", "csp-organizer@festa.test")
    desk.fill("input[name=password]", AuthActions.PASSWORD)
    desk.press("input[name=password]", "Enter")
    desk.wait_for_url("**/manage/**")
    for path in ("/manage/", f"/manage/events/{event.id}/", "/manage/audit",
                 f"/manage/events/{event.id}/schedule/editor"):
        desk.goto(live_server + path)
        desk.wait_for_load_state("networkidle")
        seen[path] = desk.evaluate("window.__csp")
    broken = {path: found for path, found in seen.items() if found}
    assert not broken and not console, (broken, console)
