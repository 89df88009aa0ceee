"""Structured data (JSON-LD, Open Graph) and the API describe an event by its own facts —
organizer, its website, country, currency, venue and address — set on the event form;
an event imported from a Berlin schedule claims nothing of Seoul's."""

from __future__ import annotations

import html
import json
import re

import sqlalchemy as sa
from flask_babel import refresh

from festa.extensions import db
from festa.opendata.programme_import import import_programme
from festa.program.demo import load_demo
from festa.program.models import Event
from tests.factories import make_event, make_room, make_session, make_speaker, make_venue
from tests.manage.conftest import event_form
from tests.opendata.test_real_files import REAL

SEOUL_CLAIMS = ("Seoul", "서울", "KR", "KRW", "Metropolitan Government", "seoul.go.kr")


def _head(client, path: str) -> tuple[dict, dict[str, list[str]]]:
    """The page's JSON-LD and its Open Graph tags ({property: [contents]})."""
    refresh()  # the test's app context outlives requests: forget the cached locale
    response = client.get(path)
    assert response.status_code == 200, path
    page = response.get_data(as_text=True)
    [block] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    tags: dict[str, list[str]] = {}
    for prop, content in re.findall(r'<meta property="(og:[^"]+)" content="([^"]*)">', page):
        tags.setdefault(prop, []).append(html.unescape(content))
    return json.loads(block), tags


def test_event_form_sets_the_facts_and_structured_data_follows(client, auth, app):
    auth.login("organizer")
    venue = make_venue(name_en="Messe Berlin", name_ko="메세 베를린",
                       address_en="Messedamm 22, 14055 Berlin", address_ko="")
    db.session.commit()
    form = event_form(slug="berlin-ai", name_en="Berlin AI", timezone="Europe/Berlin",
                      venue_id=venue.id, organizer_name_en="Berlin Senate",
                      organizer_name_ko="베를린 시정부", organizer_url="https://www.berlin.de",
                      country="de", currency="EUR")
    assert client.post("/manage/events/new", data=form).status_code == 302
    event = db.session.scalar(sa.select(Event).where(Event.slug == "berlin-ai"))
    assert (event.organizer_name_en, event.organizer_name_ko, event.organizer_url,
            event.country, event.currency) == ("Berlin Senate", "베를린 시정부",
                                               "https://www.berlin.de", "DE", "EUR")
    edit = client.get(f"/manage/events/{event.id}/edit?lang=ko").get_data(as_text=True)
    assert '<option selected value="DE">독일</option>' in edit
    assert "주최 기관(영어)" in edit and "통화" in edit
    assert 'value="EUR">EUR · 유로</option>' in edit.replace("<option selected ", "<option ")

    refresh()
    manage = client.get(f"/manage/events/{event.id}/?lang=en").get_data(as_text=True)
    assert "Organizer, country and currency: Berlin Senate · Germany · EUR" in manage
    event.published = True
    db.session.commit()
    data, og = _head(client, "/events/berlin-ai/?lang=en")
    assert data["organizer"] == {"@type": "Organization", "name": "Berlin Senate",
                                 "url": "https://www.berlin.de"}
    assert data["location"]["name"] == "Messe Berlin"
    assert data["location"]["address"] == {"@type": "PostalAddress", "addressCountry": "DE",
                                           "streetAddress": "Messedamm 22, 14055 Berlin"}
    assert data["offers"]["priceCurrency"] == "EUR"
    assert og["og:title"] == ["Berlin AI"] and og["og:type"] == ["website"]
    assert og["og:site_name"] == ["AI Seoul Festa"] and og["og:locale"] == ["en_US"]
    assert og["og:url"] == ["http://127.0.0.1:5000/events/berlin-ai/"]
    assert og["og:image"] == ["http://127.0.0.1:5000/static/icons/festa-512.png"]
    korean, og = _head(client, "/events/berlin-ai/?lang=ko")
    assert korean["organizer"]["name"] == "베를린 시정부"
    assert og["og:site_name"] == ["AI 서울 페스타"] and og["og:locale"] == ["ko_KR"]

    api = client.get("/api/v1/events/berlin-ai?lang=en").get_json()
    assert api["organizer"] == {"name": "Berlin Senate", "url": "https://www.berlin.de"}
    assert (api["country"], api["currency"]) == ("DE", "EUR")

    # Cleared again: nothing is claimed any more.
    cleared = dict(form, organizer_name_en="", organizer_name_ko="", organizer_url="",
                   country="", currency="")
    assert client.post(f"/manage/events/{event.id}/edit", data=cleared).status_code == 302
    data, _og = _head(client, "/events/berlin-ai/?lang=en")
    assert "organizer" not in data and "priceCurrency" not in data["offers"]
    assert data["location"]["address"] == {"@type": "PostalAddress",
                                           "streetAddress": "Messedamm 22, 14055 Berlin"}
    refresh()
    manage = client.get(f"/manage/events/{event.id}/?lang=ko").get_data(as_text=True)
    assert "주최 기관, 국가, 통화를 밝히지 않았습니다." in manage
    api = client.get("/api/v1/events/berlin-ai").get_json()
    assert api["organizer"] is None and api["country"] is None and api["currency"] is None


def test_an_imported_berlin_event_claims_nothing_of_seoul(client, app):
    """camp2019's schedule.json (Europe/Berlin) creates its event: no organizer, country or
    currency is invented, on the event page, a session page or in the API."""
    result = import_programme("camp2019", "schedule.json",
                              (REAL / "frab-camp2019.json").read_bytes(), apply=True,
                              publish=True)
    assert result.errors == [] and result.event_created
    event = db.session.scalar(sa.select(Event).where(Event.slug == "camp2019"))
    assert event.timezone == "Europe/Berlin"
    assert (event.organizer_name_ko, event.organizer_name_en, event.organizer_url,
            event.country, event.currency) == ("", "", "", "", "")
    for lang in ("en", "ko"):
        data, og = _head(client, f"/events/camp2019/?lang={lang}")
        facts = json.dumps([data["location"], data["offers"], data.get("organizer")],
                           ensure_ascii=False)
        assert not [claim for claim in SEOUL_CLAIMS if claim in facts], facts
        assert "organizer" not in data and "priceCurrency" not in data["offers"]
        assert "address" not in data["location"]  # the file gives none: none is sent
        assert data["name"] == "Chaos Communication Camp 2019"
        assert data["startDate"].endswith("+02:00")
        assert og["og:title"] == ["Chaos Communication Camp 2019"]
    session = event.sessions[0]
    data, og = _head(client, f"/events/camp2019/sessions/{session.id}?lang=en")
    assert "KR" not in json.dumps(data["location"]) and "Seoul" not in json.dumps(data)
    assert og["og:title"] == [session.title_en]
    api = client.get("/api/v1/events/camp2019").get_json()
    assert (api["organizer"], api["country"], api["currency"]) == (None, None, None)


def test_demo_events_are_seouls(client, app):
    load_demo()
    db.session.commit()
    events = db.session.scalars(sa.select(Event)).all()
    assert events
    for event in events:
        data, _og = _head(client, f"/events/{event.slug}/?lang=en")
        assert data["organizer"] == {"@type": "Organization",
                                     "name": "Seoul Metropolitan Government",
                                     "url": "https://www.seoul.go.kr"}
        assert data["location"]["address"]["addressCountry"] == "KR"
        assert data["offers"]["priceCurrency"] == "KRW"
        korean, _og = _head(client, f"/events/{event.slug}/?lang=ko")
        assert korean["organizer"]["name"] == "서울특별시"


def test_session_preview_image_is_a_speakers_photo(client, app):
    event = make_event()
    room = make_room(event.venue)
    without = make_session(event, room, speakers=[make_speaker()])
    pictured = make_session(event, room, speakers=[
        make_speaker(photo_url="javascript:alert(1)"),
        make_speaker(photo_url="https://example.org/kaplan.jpg")])
    db.session.commit()
    _data, og = _head(client, f"/events/{event.slug}/sessions/{pictured.id}")
    assert og["og:image"] == ["https://example.org/kaplan.jpg"]
    _data, og = _head(client, f"/events/{event.slug}/sessions/{without.id}")
    assert og["og:image"] == ["http://127.0.0.1:5000/static/icons/festa-512.png"]
