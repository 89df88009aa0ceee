"""The demo programme: loads, is idempotent, and tells the story of DEVELOPERS.md."""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import combinations
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from festa.auth.models import User
from festa.extensions import db
from festa.program import queries
from festa.program.demo import DEMO_LOGINS, festa_start, load_demo
from festa.program.models import Event, Session, Speaker, Track

SEOUL = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _event(slug: str) -> Event:
    return db.session.scalar(sa.select(Event).where(Event.slug == slug))


def test_loads_once_and_is_idempotent(app):
    assert load_demo(now=NOW) is True
    db.session.commit()
    counts = [_count(m) for m in (Event, Session, Speaker, Track, User)]
    assert load_demo(now=NOW) is False
    db.session.commit()
    assert [_count(m) for m in (Event, Session, Speaker, Track, User)] == counts
    assert counts[0] == 2
    assert 38 <= counts[1] <= 50
    assert 28 <= counts[2] <= 35
    assert counts[3] == 7


def test_demo_staff_can_log_in(app, client):
    load_demo(now=NOW)
    db.session.commit()
    for role, email, password in DEMO_LOGINS:
        user = db.session.scalar(sa.select(User).where(User.email == email))
        assert user.role == role
        response = client.post("/login", data={"email": email, "password": password})
        assert response.status_code == 302
        client.post("/logout")


def test_conference_2025_is_past_and_closed_with_the_kaplan_dialogue(app):
    load_demo(now=NOW)
    event = _event("ai-seoul-2025")
    assert event.start_date == date(2025, 2, 11) and event.published
    assert event.venue.address_ko == "서울 강남구 영동대로 513"
    assert not queries.registration_open(event, now=NOW)
    dialogue = next(s for s in event.sessions if s.kind == "dialogue")
    assert dialogue.title_en == "Special dialogue: AI and the future of cities"
    names = {(r.speaker.family_name_en, r.speaker.given_name_en) for r in dialogue.speaker_roles}
    assert {("Oh", "Se-hoon"), ("Kaplan", "Jerry")} <= names
    kaplan = next(r.speaker for r in dialogue.speaker_roles if r.speaker.family_name_en == "Kaplan")
    assert kaplan.given_name_first and kaplan.given_name_ko == "제리"
    assert "Generative Artificial Intelligence" in kaplan.bio_en
    keynote = next(s for s in event.sessions if s.kind == "keynote")
    for figure in ("10,000", "270,000", "500 billion"):
        assert figure in keynote.abstract_en
    assert "5천억" in keynote.abstract_ko


def test_festa_is_next_march_with_registration_open(app):
    load_demo(now=NOW)
    event = _event("ai-seoul-festa-2027")
    assert event.start_date.year == 2027 and event.start_date.month == 3
    assert (event.end_date - event.start_date).days == 2
    assert queries.registration_open(event, now=NOW)
    assert event.registration_opens_at < NOW
    assert event.registration_closes_at.astimezone(SEOUL).date() < event.start_date
    assert event.capacity and event.published
    workshops = [s for s in event.sessions if s.kind == "workshop"]
    assert len(workshops) >= 4
    assert all(s.reservation_required and 20 <= s.capacity <= 40 for s in workshops)
    assert all(s.capacity <= s.room.capacity for s in workshops)
    assert {s.kind for s in event.sessions} == {"keynote", "dialogue", "panel", "talk", "workshop"}
    assert all(s.title_ko and s.title_en and s.abstract_ko and s.abstract_en
               for s in event.sessions)
    assert len({s.room_id for s in event.sessions}) >= 5


def test_festa_start_follows_today():
    assert festa_start(date(2026, 11, 25)).strftime("%Y-%m") == "2027-03"
    assert festa_start(date(2027, 1, 5)).strftime("%Y-%m") == "2027-03"
    assert festa_start(date(2027, 3, 1)).strftime("%Y-%m") == "2028-03"


def test_no_room_or_speaker_conflicts_and_rooms_open(app):
    load_demo(now=NOW)
    sessions = db.session.scalars(sa.select(Session)).all()
    for a, b in combinations(sessions, 2):
        if a.starts_at < b.ends_at and b.starts_at < a.ends_at:
            assert a.room_id != b.room_id, (a.title_en, b.title_en)
            shared = {r.speaker_id for r in a.speaker_roles} & {
                r.speaker_id for r in b.speaker_roles}
            assert not shared, (a.title_en, b.title_en)
    for s in sessions:
        zone = ZoneInfo(s.event.timezone)
        assert s.room.opens_at <= s.starts_at.astimezone(zone).time()
        assert s.ends_at.astimezone(zone).time() <= s.room.closes_at
        assert s.event.start_date <= s.starts_at.astimezone(zone).date() <= s.event.end_date
