"""Fixtures for the organizers' pages: a small programme and valid form data."""

from __future__ import annotations

from datetime import time

import pytest

from festa.extensions import db
from tests.factories import make_event, make_room, make_speaker, make_track, make_venue


@pytest.fixture
def programme(app):
    """An event (draft) at a venue with two rooms (09:00–18:00), a track and two speakers."""
    venue = make_venue(name_ko="코엑스", name_en="COEX")
    event = make_event(venue=venue, published=False, slug="ai-seoul-festa")
    rooms = [make_room(venue=venue, opens_at=time(9), closes_at=time(18), capacity=50)
             for _ in range(2)]
    track = make_track(event)
    speakers = [make_speaker(), make_speaker()]
    db.session.commit()
    return {"event": event, "venue": venue, "rooms": rooms, "track": track,
            "speakers": speakers}


def event_form(**overrides) -> dict:
    data = {
        "slug": "ai-seoul-2026", "name_ko": "AI 서울 2026", "name_en": "AI Seoul 2026",
        "description_ko": "", "description_en": "", "start_date": "2026-03-10",
        "end_date": "2026-03-11", "timezone": "Asia/Seoul", "venue_id": "", "capacity": "",
        "registration_opens_at": "2026-02-01T09:00", "registration_closes_at": "2026-03-09T18:00",
    }
    data.update(overrides)
    return data


def session_form(day: str, **overrides) -> dict:
    data = {
        "title_ko": "기조연설", "title_en": "Keynote", "abstract_ko": "", "abstract_en": "",
        "kind": "keynote", "language": "ko", "starts_at": f"{day}T10:00",
        "ends_at": f"{day}T11:00", "room_id": "", "track_id": "", "capacity": "",
    }
    data.update(overrides)
    return data


def error_texts(html: str) -> str:
    """The error summary and the inline errors of a page, as one string to assert on."""
    import re

    parts = re.findall(r'<(?:div class="error-summary"|ul class="errors").*?</(?:div|ul)>', html,
                       re.S)
    return re.sub(r"<[^>]+>", "", " ".join(parts))


@pytest.fixture(autouse=True)
def locale_per_request(app):
    """The app fixture keeps one app context (and so one `g`) for all of a test's requests;
    Flask-Babel caches the locale on `g`. Forget it at each request, as production does."""
    from flask import g

    app.before_request_funcs.setdefault(None, []).insert(
        0, lambda: g.pop("_flask_babel", None) and None)


def assert_field_errors(client, url: str, base: dict, cases: list, saved) -> None:
    """POST `base` changed by each case's overrides: each must be refused (422) with the
    field's label and the message in the errors, and `saved()` (a count) must not change.
    One test for all cases keeps the suite fast (each test rebuilds the database)."""
    before = saved()
    wrong = []
    for overrides, label, message in cases:
        response = client.post(f"{url}?lang=en", data={**base, **overrides})
        errors = error_texts(response.get_data(as_text=True))
        if response.status_code != 422 or label not in errors or \
                message.lower() not in errors.lower() or saved() != before:
            wrong.append((overrides, response.status_code, " ".join(errors.split())))
    assert not wrong
