"""The desk's flow in headless Chromium: a scan at a print-on-entry checkpoint opens the
attendee's badge for printing; a second scan offers a reprint; both are audited with the
device that printed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from festa.audit.models import AuditEntry
from festa.extensions import db
from tests.checkin.helpers import device_token, room_checkpoint, setup_event
from tests.checkin.test_browser import open_scanner, scan, wait_for
from tests.conftest import PHONE

pytestmark = pytest.mark.browser


def prints() -> list[tuple[str, int | None]]:
    db.session.expire_all()
    return [(e.action, e.device_id) for e in db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action.like("badge.%")).order_by(AuditEntry.id))]


def test_scan_prints_the_badge_and_reprint_is_audited(live_server, page_factory):
    event, _entrance, (ticket, _other) = setup_event()
    desk = room_checkpoint(event, name="등록 데스크", print_badges=True)
    token = device_token(desk, name="desk printer")
    page = page_factory(PHONE)
    open_scanner(page, live_server, token)
    # Headless Chromium cannot print a PDF (its renderer crashes): take over the print the
    # page asks for, as a kiosk's own printing would, and keep what it was asked to print.
    page.evaluate("""() => document.getElementById('scanner').addEventListener(
        'festa:print-badge', (event) => {
          event.preventDefault();
          const blob = event.detail.blob;
          document.getElementById('scanner').dataset.printed =
            event.detail.action + ' ' + blob.type + ' ' + blob.size;
        })""")
    assert scan(page, ticket.code) == "ok"
    wait_for(page, "data-badge-print", "badge.print")
    page.wait_for_function("() => !!document.getElementById('scanner').dataset.printed")
    action, kind, size = page.get_attribute("#scanner", "data-printed").split()
    assert (action, kind) == ("badge.print", "application/pdf") and int(size) > 1000
    assert page.get_attribute("#badge-frame", "src").startswith("blob:")
    [(action, device_id)] = prints()
    assert action == "badge.print" and device_id is not None
    page.screenshot(path="/tmp/door-badge-print.png")

    assert scan(page, ticket.code) == "already_checked_in"
    assert page.is_visible("#badge-reprint")
    page.click("#badge-reprint")
    wait_for(page, "data-badge-print", "badge.reprint")
    page.wait_for_function(
        "() => document.getElementById('scanner').dataset.printed.startsWith('badge.reprint')")
    assert prints() == [("badge.print", device_id), ("badge.reprint", device_id)]


def test_a_checkpoint_without_printing_prints_nothing(live_server, page_factory):
    _event, entrance, (ticket, _other) = setup_event()
    page = page_factory(PHONE)
    open_scanner(page, live_server, device_token(entrance))
    assert scan(page, ticket.code) == "ok"
    assert not page.is_visible("#badge-reprint")
    assert page.get_attribute("#scanner", "data-badge-print") is None
    assert prints() == []
