"""The home page leads with the upcoming festa; the site has an icon and a web app manifest
for the door scanner."""

from __future__ import annotations

import pytest

from tests.conftest import ARTIFACTS, DESKTOP, PHONE
from tests.program.conftest import FESTA


def test_home_leads_with_the_upcoming_festa(client, demo):
    html = client.get("/?lang=ko").get_data(as_text=True)
    featured = html.split('class="featured-event"', 1)[1].split("</section>", 1)[0]
    assert f"/events/{FESTA}/register" in featured and "등록하기" in featured
    assert "잔여" in featured  # workshops with their seats left
    assert "주요 세션" in featured  # the highlights


def test_favicon_and_manifest(client):
    assert client.get("/favicon.ico").status_code == 200
    response = client.get("/manifest.webmanifest?lang=en")
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json(force=True)
    assert manifest["start_url"] == "/door/" and manifest["display"] == "standalone"
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200


@pytest.mark.browser
@pytest.mark.parametrize("viewport, lang", [("desktop", "ko"), ("phone", "en")])
def test_first_load_has_no_missing_files_and_a_way_to_register(demo, live_server,
                                                               page_factory, viewport, lang):
    page = page_factory(DESKTOP if viewport == "desktop" else PHONE)
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.goto(f"{live_server}/?lang={lang}")
    page.wait_for_load_state("networkidle")
    assert missing == []
    register = page.locator(".featured-event a.button.primary")
    assert register.is_visible() and register.bounding_box()["y"] < 900
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"home-{viewport}-{lang}.png"), full_page=True)
