"""The schedule in a real Chromium: a list on a phone, a rooms × time grid on a desktop."""

from __future__ import annotations

import pytest

from tests.conftest import DESKTOP, PHONE
from tests.program.conftest import CONFERENCE, FESTA

pytestmark = pytest.mark.browser


def test_phone_shows_a_time_ordered_list_with_the_kaplan_dialogue(demo, live_server,
                                                                   page_factory):
    page = page_factory(viewport=PHONE)
    page.goto(f"{live_server}/events/{CONFERENCE}/schedule?lang=ko")
    dialogue = page.get_by_role("link", name="특별대담: AI와 도시의 미래")
    assert dialogue.is_visible()
    assert page.locator(".grid-room-head").first.is_hidden()
    assert page.locator(".time-label").first.is_hidden()
    card = page.locator("article.sched-item", has=dialogue)
    assert card.locator(".sched-room").is_visible()  # the room is written on each card
    assert "제리 캐플런" in card.inner_text()
    boxes = [page.locator("article.sched-item").nth(i).bounding_box() for i in range(3)]
    assert len({round(b["x"]) for b in boxes}) == 1  # stacked in one column...
    assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"]  # ...in time order
    assert boxes[0]["width"] > PHONE["width"] * 0.8
    dialogue.click()
    page.wait_for_url("**/sessions/*")
    assert page.get_by_role("heading", level=1).inner_text() == "특별대담: AI와 도시의 미래"


def test_desktop_shows_a_grid_of_rooms_and_applies_filters(demo, live_server, page_factory):
    page = page_factory(viewport=DESKTOP)
    page.goto(f"{live_server}/events/{FESTA}/schedule?lang=en&day=2027-03-11")
    heads = page.locator(".grid-room-head")
    assert heads.first.is_visible() and heads.count() >= 5
    assert page.locator(".time-label").first.is_visible()
    ballroom = page.locator("article.sched-item", has_text="Cities that learn").bounding_box()
    auditorium = page.locator("article.sched-item",
                              has_text="From the Yangjae AI hub").bounding_box()
    assert auditorium["x"] > ballroom["x"] + ballroom["width"] - 1  # a column to the right
    assert abs(auditorium["y"] - ballroom["y"]) < ballroom["height"]  # same time band
    # A select applies at once (schedule.js); the result is a narrower grid.
    page.select_option("#kind", "workshop")
    page.wait_for_url("**kind=workshop**")
    assert page.locator("article.sched-item").count() == 2
    page.goto(f"{live_server}/events/{CONFERENCE}/schedule?lang=en")
    assert page.get_by_role("link", name="Special dialogue: AI and the future of cities"
                            ).is_visible()
