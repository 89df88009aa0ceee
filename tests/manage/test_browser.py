"""The manage pages in a real Chromium: an organizer logs in, adds a session through the
form (seeing a conflict before saving), publishes, and finds it on the public schedule."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from festa.extensions import db
from tests.conftest import DESKTOP, PHONE, AuthActions
from tests.factories import make_session, make_user

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("FESTA_SCREENSHOTS")  # a folder: keep screenshots to look at


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"manage-{name}.png"), full_page=True)


def log_in(page, base: str) -> None:
    page.goto(f"{base}/login?lang=en")
    page.get_by_label("E-mail").fill("organizer@festa.test")
    page.get_by_label("Password").fill(AuthActions.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/manage/")


def test_organizer_adds_a_session_and_finds_it_on_the_schedule(programme, live_server,
                                                                page_factory):
    event, (room, _) = programme["event"], programme["rooms"]
    make_user(email="organizer@festa.test", role="organizer")
    make_session(event, room, title_en="Opening keynote", title_ko="개막 기조연설")
    db.session.commit()
    day = event.start_date.isoformat()
    page = page_factory(viewport=DESKTOP)
    log_in(page, live_server)
    shot(page, "dashboard-desktop")
    page.get_by_role("link", name=event.name_en).first.click()
    page.get_by_role("link", name="Add session").click()
    page.get_by_label("Title (Korean)").fill("특별대담: AI와 도시의 미래")
    page.get_by_label("Title (English)").fill("Special dialogue: AI and the future of cities")
    page.get_by_label("Kind").select_option("dialogue")
    page.get_by_label("Starts").fill(f"{day}T10:30")
    page.get_by_label("Ends").fill(f"{day}T11:30")
    page.get_by_label("Room").select_option(label=room.name_en)
    # Before saving, the form asks the server what these values would clash with.
    warning = page.locator("#draft-warnings li[data-code=room_double_booked]")
    warning.wait_for()
    assert "Opening keynote" in warning.inner_text()
    page.get_by_label("Starts").fill(f"{day}T11:00")
    page.get_by_label("Ends").fill(f"{day}T12:00")
    page.get_by_label("Track").select_option(index=1)
    page.locator("#draft-warnings").wait_for(state="hidden")
    shot(page, "session-form-desktop")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/manage/sessions/*/edit")
    assert page.get_by_text("Session created.").is_visible()
    assert page.get_by_text("No conflicts with this session.").is_visible()
    page.get_by_role("link", name="Back").click()
    page.get_by_role("button", name="Publish").click()
    assert page.get_by_text("The event is published.").is_visible()
    shot(page, "event-desktop")
    page.goto(f"{live_server}/events/{event.slug}/schedule?lang=en")
    assert page.get_by_role("link", name="Special dialogue: AI and the future of cities"
                            ).first.is_visible()


def test_manage_pages_fit_a_phone(programme, live_server, page_factory):
    event, room = programme["event"], programme["rooms"][0]
    make_user(email="organizer@festa.test", role="organizer")
    first = make_session(event, room, title_en="Vision keynote")
    make_session(event, room, title_en="Clashing talk", speakers=programme["speakers"][:1])
    db.session.commit()
    page = page_factory(viewport=PHONE)
    log_in(page, live_server)
    pages = {"dashboard": "/manage/", "event": f"/manage/events/{event.id}/",
             "conflicts": f"/manage/events/{event.id}/conflicts",
             "session": f"/manage/sessions/{first.id}/edit", "speakers": "/manage/speakers/",
             "venue": f"/manage/venues/{room.venue_id}/"}
    for name, path in pages.items():
        page.goto(f"{live_server}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (name, width)
        shot(page, f"{name}-phone")
    page.goto(f"{live_server}/manage/sessions/{first.id}/edit?lang=ko")
    assert page.locator(".warnings li[data-code=room_double_booked]").is_visible()
    menu = page.get_by_role("navigation", name="관리")
    assert menu.get_by_role("link", name="연사").is_visible()
