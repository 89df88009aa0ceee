"""The schedule in a real Chromium: a list on a phone, a rooms × time grid on a desktop."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import ARTIFACTS, DESKTOP, PHONE
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


def _overlap(a: dict, b: dict) -> bool:
    return (a["x"] < b["x"] + b["width"] - 1 and b["x"] < a["x"] + a["width"] - 1
            and a["y"] < b["y"] + b["height"] - 1 and b["y"] < a["y"] + a["height"] - 1)


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_desktop_grid_lays_clashes_side_by_side_on_even_rows(demo, live_server, page_factory,
                                                             lang):
    import sqlalchemy as sa

    from festa.extensions import db
    from festa.program.models import Session
    from tests.factories import make_session

    chatbot = db.session.scalar(sa.select(Session).where(
        Session.title_ko == "처음 만드는 AI 챗봇"))
    make_session(chatbot.event, chatbot.room, start=chatbot.starts_at + timedelta(hours=1),
                 minutes=90, kind="workshop", title_ko="AI 윤리 실습", title_en="AI ethics lab",
                 reservation_required=True, capacity=20)
    db.session.commit()
    page = page_factory(viewport=DESKTOP)
    page.goto(f"{live_server}/events/{FESTA}/schedule?lang={lang}&day=2027-03-11")
    cards = page.locator("article.sched-item")
    boxes = [cards.nth(i).bounding_box() for i in range(cards.count())]
    assert len(boxes) > 10
    clashes = [(i, j) for i in range(len(boxes)) for j in range(i)
               if _overlap(boxes[i], boxes[j])]
    assert clashes == []
    title = "처음 만드는 AI 챗봇" if lang == "ko" else "Build your first AI chatbot"
    badge = page.locator("article.sched-item", has_text=title).locator(".badge").first
    badge.scroll_into_view_if_needed()
    box = badge.bounding_box()
    on_top = page.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('article')"
                           ".textContent", [box["x"] + 3, box["y"] + box["height"] / 2])
    assert title in on_top  # the badge is not covered by the other workshop
    heights = {round(page.locator(".time-label").nth(i).bounding_box()["height"])
               for i in range(page.locator(".time-label").count() - 1)}
    assert len(heights) == 1  # every half hour as high as every other
    page.screenshot(path=str(ARTIFACTS / f"schedule-desktop-{lang}.png"), full_page=False)


def test_the_header_does_not_move_between_pages(demo, live_server, page_factory):
    page = page_factory(viewport=DESKTOP)
    places = set()
    for path in ("/", f"/events/{FESTA}/", f"/events/{FESTA}/schedule", "/login"):
        page.goto(f"{live_server}{path}?lang=ko")
        places.add(round(page.locator(".brand").bounding_box()["x"]))
    assert len(places) == 1


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_phone_search_runs_as_you_type_and_day_buttons_fit(demo, live_server, page_factory,
                                                           lang):
    from playwright.sync_api import expect

    page = page_factory(viewport=PHONE)
    page.goto(f"{live_server}/events/{FESTA}/schedule?lang={lang}")
    for i in range(page.locator(".day-tabs a").count()):
        box = page.locator(".day-tabs a").nth(i).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]  # none cut off
    expect(page.locator("[data-apply]")).to_be_hidden()  # one control: the search applies itself
    before = page.locator("article.sched-item").count()
    page.evaluate("window.stayedHere = true")
    search = page.locator("#q")
    search.press_sequentially("챗봇", delay=50)
    page.wait_for_url("**q=**")
    expect(page.locator("article.sched-item")).not_to_have_count(before)
    assert 0 < page.locator("article.sched-item").count() < before
    assert page.evaluate("window.stayedHere") is True  # no reload
    assert page.evaluate("document.activeElement.id") == "q"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"schedule-search-phone-{lang}.png"))


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_kaplan_search_finds_the_dialogue_in_either_spelling(demo, live_server, page_factory,
                                                             viewport):
    page = page_factory(viewport=PHONE if viewport == "phone" else DESKTOP)
    page.goto(f"{live_server}/events/{CONFERENCE}/schedule?lang=ko&q=카플란")
    assert page.get_by_role("link", name="특별대담: AI와 도시의 미래").is_visible()
    page.goto(f"{live_server}/events/{CONFERENCE}/schedule?lang=en&q=캐플런")
    assert page.get_by_role("link", name="Special dialogue: AI and the future of cities"
                            ).is_visible()
