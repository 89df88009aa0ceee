"""The demo programme's feeds validate; event and session pages carry JSON-LD and Open Graph."""

from __future__ import annotations

import json
import re

import icalendar
import pytest
import sqlalchemy as sa
from flask_babel import refresh

from festa.extensions import db
from festa.opendata import versions
from festa.program.demo import load_demo
from festa.program.models import Event


@pytest.fixture
def demo(app):
    load_demo()
    db.session.commit()
    return db.session.scalars(sa.select(Event).order_by(Event.start_date)).all()


def test_demo_feeds_validate(client, demo, frab_validator, frab_xsd):
    assert len(demo) >= 2
    for event in demo:
        for lang in ("ko", "en"):
            base = f"/api/v1/events/{event.slug}/schedule"
            document = client.get(f"{base}.json?lang={lang}").get_json()
            errors = [f"{e.json_path}: {e.message}" for e in frab_validator.iter_errors(document)]
            assert errors == [], (event.slug, lang, errors[:5])
            sessions = [e for d in document["schedule"]["conference"]["days"]
                        for r in d["rooms"].values() for e in r]
            assert sessions
            xml = client.get(f"{base}.xml?lang={lang}").get_data(as_text=True)
            assert [str(e) for e in frab_xsd.iter_errors(xml)] == [], event.slug
            cal = icalendar.Calendar.from_ical(client.get(f"{base}.ics?lang={lang}").data)
            assert len(cal.events) >= len(sessions)
            assert [tz["TZID"] for tz in cal.timezones] == ["Asia/Seoul"]
            assert icalendar.Calendar.from_ical(cal.to_ical()).to_ical() == cal.to_ical()


def test_demo_kaplan_dialogue_is_in_the_feed(client, demo):
    conference = next(e for e in demo if e.slug == "ai-seoul-2025")
    document = client.get(f"/api/v1/events/{conference.slug}/schedule.json?lang=en").get_json()
    people = {p["name"] for d in document["schedule"]["conference"]["days"]
              for r in d["rooms"].values() for e in r for p in e["persons"]}
    assert "Jerry Kaplan" in people


def test_demo_publish_versions(demo):
    festa = demo[-1]
    first = versions.publish_schedule(festa)
    db.session.commit()
    assert first.number == 1 and festa.schedule_version == 1
    session = festa.sessions[0]
    session.cancelled = True
    db.session.commit()
    second = versions.publish_schedule(festa)
    assert [(c["session_id"], c["change"]) for c in second.changelog] == [
        (session.id, "cancelled")]


def _jsonld(html: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(block) for block in blocks]


def test_event_and_session_pages_carry_json_ld_and_open_graph(client, programme):
    html = client.get("/events/ai-seoul-test/?lang=en").get_data(as_text=True)
    [data] = _jsonld(html)
    assert data["@context"] == "https://schema.org" and data["@type"] == "Event"
    assert data["name"] == "AI Seoul Test"
    assert data["startDate"].endswith("+09:00")
    assert data["location"]["@type"] == "Place"
    assert data["offers"]["price"] == 0
    assert '<meta property="og:title" content="AI Seoul Test">' in html
    assert 'property="og:url" content="http://127.0.0.1:5000/events/ai-seoul-test/"' in html

    refresh()  # the test's app context outlives requests: forget the cached locale
    page = client.get(f"/events/ai-seoul-test/sessions/{programme.dialogue.id}?lang=ko")
    [session] = _jsonld(page.get_data(as_text=True))
    assert session["@type"] == "Event"
    assert [p["name"] for p in session["performer"]] == ["오세훈", "제리 캐플런"]
    assert session["superEvent"]["url"] == "http://127.0.0.1:5000/events/ai-seoul-test/"
    cancelled = client.get(f"/events/ai-seoul-test/sessions/{programme.cancelled.id}")
    assert _jsonld(cancelled.get_data(as_text=True))[0]["eventStatus"].endswith(
        "EventCancelled")


def test_json_ld_cannot_break_out_of_its_script_block(client, programme):
    programme.keynote.title_ko = "</script><script>alert(1)</script>"
    db.session.commit()
    html = client.get(f"/events/ai-seoul-test/sessions/{programme.keynote.id}").get_data(
        as_text=True)
    assert "<script>alert(1)" not in html
    assert _jsonld(html)[0]["name"] == "</script><script>alert(1)</script>"


def test_structured_data_takes_the_events_own_facts(app):
    """An event in Berlin is not described as Seoul's: country, currency and organizer come
    from the event, and are left out when the event does not say."""
    from festa.opendata.structured import event_jsonld
    from tests.factories import make_event

    berlin = make_event(timezone="Europe/Berlin", country="DE", currency="EUR",
                        organizer_name_en="Chaos Computer Club", organizer_name_ko="")
    bare = make_event()
    db.session.commit()
    with app.test_request_context("/?lang=en"):
        data = event_jsonld(berlin)
        assert data["location"]["address"]["addressCountry"] == "DE"
        assert data["offers"]["priceCurrency"] == "EUR"
        assert data["organizer"]["name"] == "Chaos Computer Club"
        plain = event_jsonld(bare)
        assert "organizer" not in plain and "priceCurrency" not in plain["offers"]
        assert "Seoul" not in str(plain["location"])
