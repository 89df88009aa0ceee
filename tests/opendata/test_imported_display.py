"""What an imported programme brings — subtitles, links, speakers' biographies, languages
other than Korean and English — is shown on the session page and the schedule, and goes
out again in the feeds and the API as real ISO 639 codes."""

from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET
from datetime import date
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import refresh

from festa.core.inputs import storable
from festa.extensions import db
from festa.program.models import Session
from tests.factories import make_event, make_session, make_speaker
from tests.opendata.conftest import REF
from tests.opendata.test_real_files import REAL, _import

ETSI = "df91b683-2f32-4400-8043-b1d88aa0b454"  # camp2019: German, a subtitle, two links


def _camp2019():
    event, _plan, _summary = _import("schedule.json", REAL / "frab-camp2019.json",
                                     start_date=date(2019, 8, 21), end_date=date(2019, 8, 25),
                                     timezone="Europe/Berlin")
    item = next(item for day in json.loads((REAL / "frab-camp2019.json").read_text())
                ["schedule"]["conference"]["days"] for items in day["rooms"].values()
                for item in items if item["guid"] == ETSI)
    session = db.session.scalar(sa.select(Session).where(Session.event_id == event.id,
                                                         Session.source_key == ETSI))
    return event, session, item


def _page(client, path: str) -> str:
    refresh()  # the test's app context outlives requests: forget the cached locale
    response = client.get(path)
    assert response.status_code == 200, path
    return html.unescape(response.get_data(as_text=True))


def test_session_page_shows_subtitle_links_and_language_of_an_imported_session(client, app):
    event, session, item = _camp2019()
    english = _page(client, f"/events/{event.slug}/sessions/{session.id}?lang=en")
    assert f'<span class="subtitle">{item["subtitle"]}</span></h1>' in english
    for link in item["links"]:
        assert (f'<a href="{link["url"]}" rel="noopener noreferrer">{link["title"].strip()}'
                f'</a>') in english
    assert '<span lang="en">German</span>' in english
    korean = _page(client, f"/events/{event.slug}/sessions/{session.id}?lang=ko")
    assert '<span lang="ko">독일어</span>' in korean and item["subtitle"] in korean


def test_schedule_shows_subtitle_and_names_the_language(client, app):
    event, _session, item = _camp2019()
    for lang, name in (("en", "German"), ("ko", "독일어")):
        page = _page(client, f"/events/{event.slug}/schedule?day=2019-08-22&lang={lang}")
        assert f'<p class="sched-subtitle">{item["subtitle"]}</p>' in page
        assert f'<abbr class="lang-tag" title="{name}">DE</abbr>' in page


def test_session_page_shows_the_speakers_biographies(client, app):
    """pretalx (rC3 2020) persons carry biographies; each shows under the speaker."""
    path = REF / "example-pretalx-schedule.json"
    event, _plan, _summary = _import("schedule.json", path, start_date=date(2020, 12, 27),
                                     end_date=date(2020, 12, 30))
    item = next(item for day in json.loads(path.read_text())["schedule"]["conference"]["days"]
                for items in day["rooms"].values() for item in items if item["id"] == 120)
    session = db.session.scalar(sa.select(Session).where(Session.event_id == event.id,
                                                         Session.source_key == item["guid"]))
    page = _page(client, f"/events/{event.slug}/sessions/{session.id}?lang=en")
    for person in item["persons"]:
        first = storable(person["biography"], multiline=True).split("\n\n")[0].strip()
        assert f'<div class="bio"><p>{first}</p>' in page, person["public_name"]


def test_only_web_links_are_linked_and_do_not_record_is_said(client, app):
    event = make_event()
    session = make_session(event, subtitle_en="A subtitle", do_not_record=True, links=[
        {"url": "javascript:alert(1)", "title": "bad"}, {"url": "/relative", "title": "rel"},
        {"url": "https://example.org/slides", "title": ""},
        {"url": " https://example.org/a talk?q=한", "title": "spaced"}])
    db.session.commit()
    page = _page(client, f"/events/{event.slug}/sessions/{session.id}?lang=en")
    assert "javascript:" not in page and 'href="/relative"' not in page
    assert ('<a href="https://example.org/slides" rel="noopener noreferrer">'
            'https://example.org/slides</a>') in page
    assert ('<a href="https://example.org/a%20talk?q=%ED%95%9C" rel="noopener noreferrer">'
            'spaced</a>') in page
    assert "This session is not recorded." in page
    assert "이 세션은 녹화하지 않습니다." in _page(
        client, f"/events/{event.slug}/sessions/{session.id}?lang=ko")


def test_feeds_carry_subtitle_links_and_real_language_codes(client, programme, frab_validator,
                                                             frab_xsd):
    """ko+en is Festa's own value; feeds and the API speak ISO 639 (ko, and ["ko", "en"])."""
    speaker = make_speaker(bio_en="Writes about AI.\n\nLives in Seoul.")
    dialogue = programme.dialogue
    dialogue.subtitle_en, dialogue.description_en = "A conversation", "Longer text."
    dialogue.links = [{"url": "https://example.org/video", "title": "Video"},
                      {"url": "javascript:alert(1)", "title": "bad"}]
    dialogue.do_not_record = True
    dialogue.speaker_roles[0].speaker = speaker
    db.session.commit()
    base = "/api/v1/events/ai-seoul-test"
    document = client.get(f"{base}/schedule.json?lang=en").get_json()
    assert list(frab_validator.iter_errors(document)) == []
    items = {item["id"]: item for day in document["schedule"]["conference"]["days"]
             for items in day["rooms"].values() for item in items}
    item = items[dialogue.id]
    assert item["language"] == "ko" and items[programme.keynote.id]["language"] == "ko"
    assert item["subtitle"] == "A conversation" and item["description"] == "Longer text."
    assert item["links"] == [{"url": "https://example.org/video", "title": "Video"}]
    assert item["do_not_record"] is True
    assert item["persons"][0]["biography"] == "Writes about AI.\n\nLives in Seoul."

    xml = client.get(f"{base}/schedule.xml?lang=en").get_data(as_text=True)
    assert [str(e) for e in frab_xsd.iter_errors(xml)] == []
    event = next(e for e in ET.fromstring(xml).iter("event") if e.get("id") == str(dialogue.id))
    assert event.findtext("language") == "ko" and event.findtext("subtitle") == "A conversation"
    assert [(link.get("href"), link.text) for link in event.iterfind("links/link")] == [
        ("https://example.org/video", "Video")]
    assert event.findtext("recording/optout") == "true"

    api = {s["id"]: s for s in client.get(f"{base}/sessions").get_json()}
    assert api[dialogue.id]["language"] == "ko"
    assert api[dialogue.id]["languages"] == ["ko", "en"]
    assert api[programme.keynote.id]["languages"] == ["ko"]


def test_real_files_imported_go_out_valid_with_their_links(client, app, frab_validator,
                                                           frab_xsd):
    """camp2019 imported, then published again: the feed validates (links, subtitles,
    descriptions and German included) and keeps every link and language of the file."""
    event, _session, _item = _camp2019()
    document = json.loads((REAL / "frab-camp2019.json").read_text())
    source = {item["guid"]: item for day in document["schedule"]["conference"]["days"]
              for items in day["rooms"].values() for item in items}
    base = f"/api/v1/events/{event.slug}/schedule"
    out = client.get(f"{base}.json?lang=en").get_json()
    assert [f"{e.json_path}: {e.message}" for e in frab_validator.iter_errors(out)] == []
    sessions = {s.id: s for s in event.sessions}
    items = [item for day in out["schedule"]["conference"]["days"]
             for items in day["rooms"].values() for item in items]
    assert len(items) == len(source)
    for item in items:
        original = source[sessions[item["id"]].source_key]
        assert item["language"] == original["language"]
        # Every absolute web link of the file; a bare "nymtech.net" is no URI and stays out.
        assert [link["url"] for link in item["links"]] == [
            link["url"] for link in original["links"]
            if urlsplit(link["url"]).scheme in ("http", "https") and urlsplit(link["url"]).netloc]
        assert item["subtitle"] == storable(original["subtitle"])
    xml = client.get(f"{base}.xml?lang=en").get_data(as_text=True)
    assert [str(e) for e in frab_xsd.iter_errors(xml)] == []
