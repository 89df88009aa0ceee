"""The schedule editor in a real Chromium (issue 14): drag a session from the sidebar onto a
room and time, move it onto an occupied slot and see the conflict, resize it, be refused
after someone else moved it (stale version), and schedule one with the keyboard only."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from festa.extensions import db
from festa.outbox.models import OutboxMessage
from festa.program.models import Session
from festa.program.moves import move_session
from tests.factories import make_registration, make_session, make_user, seoul
from tests.manage.test_browser import log_in, shot

pytestmark = pytest.mark.browser
FIRST = 8 * 60  # the grid starts at 08:00 (rooms open at 09:00)
PX_PER_MINUTE = 20 / 15  # at the default resolution of 15 minutes


@pytest.fixture
def board(programme):
    event, (room, hall) = programme["event"], programme["rooms"]
    make_user(email="organizer@festa.test", role="organizer")
    keynote = make_session(event, room, start=seoul(event.start_date, 10), minutes=60,
                           title_en="Opening keynote", track=programme["track"])
    workshop = make_session(event, None, scheduled=False, title_en="Robotics workshop",
                            title_ko="로봇 워크숍", kind="workshop")
    panel = make_session(event, None, scheduled=False, title_en="City data panel",
                         title_ko="도시 데이터 패널")
    db.session.commit()
    return {"event": event, "room": room, "hall": hall, "keynote": keynote,
            "workshop": workshop, "panel": panel}


def open_editor(page, base, event):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, base)
    page.goto(f"{base}/manage/events/{event.id}/schedule/editor?lang=en")
    page.locator("#ed-grid .ed-col").first.wait_for()
    return errors


def drag_to(page, card, column, minute: int | None = None, grab: int = 6,
            release: bool = True) -> None:
    """Drag `card` (held `grab` px below its top) so its top lands at `minute` in `column`
    (without a minute: onto the middle of `column`, e.g. the sidebar); `release=False`
    keeps holding it there."""
    card.scroll_into_view_if_needed()
    box = card.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + grab
    page.mouse.move(x, y)
    page.mouse.down()
    if minute is None:
        column.scroll_into_view_if_needed()
        target = column.bounding_box()
        goal_x, goal_y = target["x"] + target["width"] / 2, target["y"] + target["height"] / 2
    else:
        target = column.locator(".ed-col-body").bounding_box()
        goal_x = target["x"] + target["width"] / 2
        goal_y = target["y"] + (minute - FIRST) * PX_PER_MINUTE + grab
    page.mouse.move(x + 10, y + 10, steps=3)
    page.mouse.move(goal_x, goal_y, steps=12)
    if release:
        page.mouse.up()


def stored(session_id: int) -> Session:
    db.session.expire_all()
    return db.session.get(Session, session_id)


def column(page, room):
    return page.locator(f'#ed-grid .ed-col[data-room-id="{room.id}"]')


def test_drag_schedule_move_conflict_resize_and_stale(board, live_server, page_factory):
    event, room, hall = board["event"], board["room"], board["hall"]
    page = page_factory()
    errors = open_editor(page, live_server, event)
    workshop = page.locator("#ed-unscheduled .ed-card", has_text="Robotics workshop")
    workshop.wait_for()
    # From the sidebar onto the second room at 13:00.
    drag_to(page, workshop, column(page, hall), 13 * 60)
    placed = column(page, hall).locator(".ed-card", has_text="Robotics workshop")
    placed.wait_for()
    saved = stored(board["workshop"].id)
    assert saved.room_id == hall.id and saved.starts_at == seoul(event.start_date, 13)
    assert (saved.ends_at - saved.starts_at).seconds == 30 * 60
    # Onto the keynote's room and time: the conflict shows while dragging; once dropped it
    # is moved, and marked on the card and in the list.
    drag_to(page, placed, column(page, room), 10 * 60 + 30, release=False)
    assert page.locator(".ed-card.is-dragging.is-conflict").is_visible()
    assert "Opening keynote" in page.locator("#ed-status").inner_text()
    page.mouse.up()
    clash = column(page, room).locator(".ed-card.has-conflict", has_text="Robotics workshop")
    clash.wait_for()
    assert page.locator("#ed-conflicts li[data-code=room_double_booked]").is_visible()
    shot(page, "schedule-editor-conflict")
    # The lower edge: 30 minutes longer.
    handle = clash.locator(".ed-resize").bounding_box()
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y + 30 * PX_PER_MINUTE, steps=8)
    page.mouse.up()
    page.wait_for_function("document.querySelector('#ed-status').textContent.length > 0")
    page.wait_for_timeout(300)
    saved = stored(board["workshop"].id)
    assert saved.ends_at == seoul(event.start_date, 11, 30)
    # Someone else moves it meanwhile; this page's next move is refused and reloads the card.
    move_session(saved, {"room_id": hall.id}, version=saved.version)
    drag_to(page, column(page, room).locator(".ed-card", has_text="Robotics workshop"),
            column(page, room), 12 * 60)
    page.locator("#ed-status[data-kind=error]").wait_for()
    assert "Someone else changed" in page.locator("#ed-status").inner_text()
    column(page, hall).locator(".ed-card.is-changed", has_text="Robotics workshop").wait_for()
    assert stored(board["workshop"].id).starts_at == seoul(event.start_date, 10, 30)
    # Back to the sidebar: unscheduled again.
    drag_to(page, column(page, hall).locator(".ed-card", has_text="Robotics workshop"),
            page.locator("#ed-unscheduled"))
    page.locator("#ed-unscheduled .ed-card", has_text="Robotics workshop").wait_for()
    assert not stored(board["workshop"].id).scheduled
    assert errors == []


def test_keyboard_only_scheduling_with_undo(board, live_server, page_factory):
    event, hall = board["event"], board["hall"]
    page = page_factory()
    errors = open_editor(page, live_server, event)
    # The sidebar filters by kind.
    page.locator("#ed-unscheduled .ed-card").nth(1).wait_for()
    page.locator("#ed-kind").select_option("workshop")
    assert page.locator("#ed-unscheduled .ed-card").all_inner_texts()[0].startswith("Robotics")
    assert page.locator("#ed-unscheduled .ed-card").count() == 1
    page.locator("#ed-kind").select_option("")
    card = page.locator("#ed-unscheduled .ed-card", has_text="City data panel")
    card.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "ed-move-day"
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # the first room
    page.keyboard.press("ArrowDown")  # the second room
    page.keyboard.press("Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type("14:00")
    page.keyboard.press("Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type("45")
    page.keyboard.press("Enter")
    placed = column(page, hall).locator(".ed-card", has_text="City data panel")
    placed.wait_for()
    saved = stored(board["panel"].id)
    assert saved.room_id == hall.id and saved.starts_at == seoul(event.start_date, 14)
    assert saved.ends_at == seoul(event.start_date, 14, 45)
    # Arrow keys on the focused card: 15 minutes later, then undo it with Ctrl+Z.
    placed.focus()
    page.keyboard.press("ArrowDown")
    page.wait_for_function("document.querySelector('#ed-status').textContent.length > 0")
    page.wait_for_timeout(300)
    assert stored(board["panel"].id).starts_at == seoul(event.start_date, 14, 15)
    page.keyboard.press("Control+z")
    page.locator("#ed-status", has_text="Undone").wait_for()
    assert stored(board["panel"].id).starts_at == seoul(event.start_date, 14)
    # The search finds sessions by 초성.
    page.locator("#ed-search").fill("ㄹㅂ")
    page.wait_for_timeout(500)
    assert page.locator("#ed-unscheduled .ed-card").all_inner_texts()[0].startswith("Robotics")
    assert errors == []
    assert db.session.scalar(sa.select(sa.func.count(Session.id))) == 3


def test_moving_a_published_session_asks_before_notifying(board, live_server, page_factory):
    event, room, hall = board["event"], board["room"], board["hall"]
    keynote = board["keynote"]
    keynote.reservation_required, keynote.capacity, keynote.seats_taken = True, 20, 2
    make_registration(event, [keynote], locale="ko")
    make_registration(event, [keynote], locale="en")
    event.published = True
    db.session.commit()
    page = page_factory()
    errors = open_editor(page, live_server, event)
    card = column(page, room).locator(".ed-card", has_text="Opening keynote")
    # First time: cancel in the dialog; nothing moves.
    drag_to(page, card, column(page, hall), 11 * 60)
    dialog = page.locator("#ed-notify")
    dialog.wait_for()
    assert "2 attendees" in dialog.inner_text()
    dialog.get_by_role("button", name="Cancel").click()
    column(page, room).locator(".ed-card", has_text="Opening keynote").wait_for()
    assert stored(keynote.id).room_id == room.id
    # Second time: move and notify.
    drag_to(page, column(page, room).locator(".ed-card", has_text="Opening keynote"),
            column(page, hall), 11 * 60)
    dialog.get_by_role("button", name="Move and notify").click()
    column(page, hall).locator(".ed-card", has_text="Opening keynote").wait_for()
    assert stored(keynote.id).starts_at == seoul(event.start_date, 11)
    queued = db.session.scalars(sa.select(OutboxMessage.recipient).where(
        OutboxMessage.topic == "session_moved")).all()
    assert len(queued) == 2
    assert errors == []


def test_a_finger_drags_a_card_on_a_tablet(board, live_server, page_factory):
    """Real touch input (Chromium's touch events, as on a tablet) drags a card too."""
    event, hall = board["event"], board["hall"]
    page = page_factory(viewport={"width": 1280, "height": 900}, has_touch=True)
    errors = open_editor(page, live_server, event)
    card = page.locator("#ed-unscheduled .ed-card", has_text="Robotics workshop")
    box = card.bounding_box()
    target = column(page, hall).locator(".ed-col-body").bounding_box()
    touch = page.context.new_cdp_session(page)
    x, y = box["x"] + box["width"] / 2, box["y"] + 6
    goal_x, goal_y = target["x"] + target["width"] / 2, target["y"] + (9 * 60 - FIRST) * \
        PX_PER_MINUTE + 6

    def finger(kind: str, at_x: float, at_y: float) -> None:
        points = [] if kind == "touchEnd" else [{"x": at_x, "y": at_y}]
        touch.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    finger("touchStart", x, y)
    for step in range(1, 13):
        finger("touchMove", x + (goal_x - x) * step / 12, y + (goal_y - y) * step / 12)
    finger("touchEnd", goal_x, goal_y)
    column(page, hall).locator(".ed-card", has_text="Robotics workshop").wait_for()
    saved = stored(board["workshop"].id)
    assert saved.room_id == hall.id and saved.starts_at == seoul(event.start_date, 9)
    assert errors == []
