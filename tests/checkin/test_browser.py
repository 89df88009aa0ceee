"""The scanner in headless Chromium: a fake camera showing a ticket, and offline scanning
that syncs when the network is back."""

import pytest
import sqlalchemy as sa

from festa.checkin.models import Scan
from festa.checkin.services import decide_scan
from festa.extensions import db
from festa.tickets.services import revoke_ticket
from tests.checkin.fake_camera import write_qr_video
from tests.checkin.helpers import device_token, setup_event
from tests.conftest import PHONE

pytestmark = pytest.mark.browser
SCREENSHOTS = "/tmp"


def wait_for(page, attribute: str, value: str, timeout: int = 20_000) -> None:
    page.wait_for_function(
        "([name, value]) => document.getElementById('scanner').getAttribute(name) === value",
        arg=[attribute, value], timeout=timeout)


def open_scanner(page, live_server: str, token: str) -> None:
    page.goto(f"{live_server}/door/pair/{token}?lang=ko")
    page.wait_for_url(f"{live_server}/door/")
    wait_for(page, "data-ready", "1")


def test_fake_camera_lets_in_then_says_already_checked_in(live_server, browser_factory,
                                                            tmp_path):
    _event, entrance, (ticket, _other) = setup_event()
    token = device_token(entrance)
    video = write_qr_video(tmp_path / "ticket.y4m", ticket.code)
    browser = browser_factory(["--use-fake-device-for-media-stream",
                               f"--use-file-for-fake-video-capture={video}"])
    context = browser.new_context(viewport=PHONE)
    context.grant_permissions(["camera"], origin=live_server)
    page = context.new_page()
    open_scanner(page, live_server, token)
    wait_for(page, "data-scan-result", "ok")
    assert page.get_attribute("#scanner", "data-scan-mode") == "online"
    page.screenshot(path=f"{SCREENSHOTS}/door-ok.png")
    # the loop shows white frames, then the same code again
    wait_for(page, "data-scan-result", "already_checked_in")
    page.screenshot(path=f"{SCREENSHOTS}/door-already.png")
    results = db.session.scalars(sa.select(Scan.result).order_by(Scan.id)).all()
    assert results[:2] == ["ok", "already_checked_in"]
    context.close()


def scan(page, text: str) -> str:
    """Type a code as a hand-held scanner does (Enter-terminated); the result shown."""
    count = int(page.get_attribute("#scanner", "data-scan-count"))
    page.fill("#code-input", text)
    page.press("#code-input", "Enter")
    wait_for(page, "data-scan-count", str(count + 1))
    return page.get_attribute("#scanner", "data-scan-result")


def test_offline_scans_are_decided_kept_and_synced_when_back_online(live_server, page_factory):
    _event, entrance, (first, second, gone) = setup_event(tickets=3)
    revoke_ticket(gone, "cancelled")
    db.session.commit()
    forged = first.code[:-6] + ("AAAAAA" if not first.code.endswith("AAAAAA") else "BBBBBB")
    page = page_factory(PHONE)
    open_scanner(page, live_server, device_token(entrance))
    # the offline bundle is in IndexedDB, and the service worker keeps the page
    page.wait_for_function("() => !!document.getElementById('scanner').dataset.bundle")
    page.wait_for_function("() => !!navigator.serviceWorker.controller")
    page.context.set_offline(True)
    wait_for(page, "data-scan-mode", "offline")
    page.reload()  # the page itself opens without a network
    wait_for(page, "data-ready", "1")
    wait_for(page, "data-scan-mode", "offline")

    assert scan(page, f"{live_server}/tickets/{first.code}") == "ok"
    assert page.get_attribute("#scanner", "data-scan-mode") == "offline"
    page.screenshot(path=f"{SCREENSHOTS}/door-offline-ok.png")
    assert scan(page, forged) == "invalid"  # Ed25519 checked in the browser
    assert scan(page, gone.code) == "revoked"
    assert scan(page, first.code) == "already_checked_in"
    assert scan(page, second.code) == "ok"
    wait_for(page, "data-pending", "5")
    assert db.session.scalar(sa.select(sa.func.count(Scan.id))) == 0
    # meanwhile another gate, online, lets `second` in
    decide_scan(entrance, second.code)

    page.context.set_offline(False)
    wait_for(page, "data-pending", "0")
    synced = db.session.scalars(sa.select(Scan).where(Scan.mode == "offline").order_by(
        Scan.scanned_at)).all()
    assert [(s.ticket_id, s.result) for s in synced] == [
        (first.id, "ok"), (None, "invalid"), (gone.id, "revoked"),
        (first.id, "already_checked_in"), (second.id, "already_checked_in")]
    assert all(s.client_scan_id for s in synced)
    # the conflict is reported to the staff
    conflict = page.wait_for_selector("#conflicts li")
    assert conflict.get_attribute("data-result") == "already_checked_in"
    if page.is_visible("#result"):
        page.click("#result-close")
    page.screenshot(path=f"{SCREENSHOTS}/door-synced-conflict.png", full_page=True)
    assert scan(page, first.code) == "already_checked_in"
    assert page.get_attribute("#scanner", "data-scan-mode") == "online"


def test_dashboard_updates_without_reloading(live_server, page_factory):
    from festa.auth.teams import put_on_team
    from tests.conftest import AuthActions
    from tests.factories import make_user

    event, entrance, (first, second) = setup_event()
    decide_scan(entrance, first.code)
    boss = make_user(email="boss@festa.test", role="organizer", password=AuthActions.PASSWORD)
    put_on_team(event.id, boss)
    db.session.commit()
    page = page_factory(PHONE)
    page.goto(f"{live_server}/login?lang=ko")
    page.fill("#email", "boss@festa.test")
    page.fill("#password", AuthActions.PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/manage/events/{event.id}/checkin")
    assert page.text_content("[data-stat=checked_in]") == "1"
    decide_scan(entrance, second.code)  # someone arrives at the door
    page.wait_for_function(
        "() => document.querySelector('[data-stat=checked_in]').textContent === '2'")
    assert page.text_content("[data-stat=no_shows]") == "0"
    assert page.locator("#arrivals-chart rect").count() >= 1
    page.screenshot(path=f"{SCREENSHOTS}/dashboard-phone.png", full_page=True)


def _kept_bundles(page) -> int:
    """How many offline bundles the scanner keeps in IndexedDB."""
    return page.evaluate("""() => import('/static/js/door-offline.js')
        .then((offline) => offline.idb.all('bundles')).then((all) => all.length)""")


def test_the_scanner_forgets_its_offline_bundle_when_refused(live_server, page_factory):
    from festa.checkin.models import Device
    from festa.dbtypes import utcnow

    _event, entrance, _holders = setup_event()
    token = device_token(entrance)
    page = page_factory(PHONE)
    open_scanner(page, live_server, token)
    page.wait_for_function("() => document.getElementById('scanner').dataset.bundle")
    assert _kept_bundles(page) == 1
    for device in db.session.scalars(sa.select(Device)):
        device.revoked_at = utcnow()  # the organizer revokes the device: 401 from now on
    db.session.commit()
    page.reload()
    for _ in range(100):  # the page deletes it while starting up
        if _kept_bundles(page) == 0:
            break
        page.wait_for_timeout(100)
    assert _kept_bundles(page) == 0


def test_the_scanner_fetches_the_offline_bundle_once_at_start_up(live_server, page_factory):
    _event, entrance, _holders = setup_event()
    page = page_factory(PHONE)
    bundle_requests = []
    page.on("request", lambda r: r.url.split("?")[0].endswith(("/bundle", "/offline-bundle"))
            and bundle_requests.append(r.url))
    open_scanner(page, live_server, device_token(entrance))
    page.wait_for_function("() => !!document.getElementById('scanner').dataset.bundle")
    page.wait_for_load_state("networkidle")  # the queue sync after the bundle has run too
    assert len(bundle_requests) == 1


def test_a_refresh_fetches_only_the_changes_and_the_scanner_decides_by_them(live_server,
                                                                            page_factory):
    from festa.registration.services import register

    event, entrance, (kept, voided) = setup_event()
    page = page_factory(PHONE)
    bundle_urls = []
    page.on("requestfinished", lambda r: "/bundle" in r.url and bundle_urls.append(r.url))
    open_scanner(page, live_server, device_token(entrance))
    page.wait_for_function("() => !!document.getElementById('scanner').dataset.bundle")
    page.wait_for_load_state("networkidle")
    assert len(bundle_urls) == 1 and "since=" not in bundle_urls[0]  # the whole bundle
    first = page.get_attribute("#scanner", "data-bundle")  # its generated_at

    newcomer = register(event, "늦게온사람", "late@festa.test").ticket  # after the bundle
    revoke_ticket(voided, "voided at the desk")
    db.session.commit()
    page.context.set_offline(True)  # the network drops, and comes back: a refresh
    wait_for(page, "data-scan-mode", "offline")
    page.context.set_offline(False)
    wait_for(page, "data-scan-mode", "online")
    page.wait_for_function("(n) => document.getElementById('scanner').dataset.bundle !== n",
                           arg=first)
    assert len(bundle_urls) == 2 and "since=" in bundle_urls[1]
    delta = page.evaluate("(url) => fetch(url, {headers: {Authorization: 'Bearer ' + "
                          "localStorage.getItem('festa-door-token')}}).then((r) => r.json())",
                          bundle_urls[1])
    assert delta["full"] is False  # what it fetched was a delta

    page.context.set_offline(True)
    wait_for(page, "data-scan-mode", "offline")
    assert scan(page, newcomer.code) == "ok"
    assert page.text_content("#result .result-name") == "늦게온사람"  # known from the delta
    assert scan(page, voided.code) == "revoked"
    assert scan(page, kept.code) == "ok"
    assert page.get_attribute("#scanner", "data-scan-mode") == "offline"


def test_a_bundle_kept_by_an_older_page_is_fetched_again_whole(live_server, page_factory):
    _event, entrance, (ticket, gone) = setup_event()
    revoke_ticket(gone, "cancelled")
    db.session.commit()
    page = page_factory(PHONE)
    bundle_urls = []
    page.on("requestfinished", lambda r: "/bundle" in r.url and bundle_urls.append(r.url))
    open_scanner(page, live_server, device_token(entrance))
    page.wait_for_function("() => !!document.getElementById('scanner').dataset.bundle")
    # what the page kept before the deltas: the contract's offline bundle as JSON
    page.evaluate("""(id) => fetch('/api/v1/checkpoints/' + id + '/offline-bundle', {headers:
        {Authorization: 'Bearer ' + localStorage.getItem('festa-door-token')}})
        .then((r) => r.json()).then((old) => import('/static/js/door-offline.js')
        .then((offline) => offline.idb.put('bundles', old, id)))""", entrance.id)
    bundle_urls.clear()
    page.reload()
    wait_for(page, "data-ready", "1")
    page.wait_for_function("() => !!document.getElementById('scanner').dataset.bundle")
    assert len(bundle_urls) == 1 and "since=" not in bundle_urls[0]
    page.context.set_offline(True)
    wait_for(page, "data-scan-mode", "offline")
    assert scan(page, gone.code) == "revoked"
    assert scan(page, ticket.code) == "ok"
