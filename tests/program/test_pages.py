"""Public pages in Korean and English: events, overview, sessions and speakers."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from festa.extensions import db
from festa.program.models import Event, Session, Speaker
from tests.factories import make_event, make_session, make_speaker
from tests.program.conftest import CONFERENCE, FESTA


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _session(title_en: str) -> Session:
    return db.session.scalar(sa.select(Session).where(Session.title_en == title_en))


def _speaker(family_en: str) -> Speaker:
    return db.session.scalar(sa.select(Speaker).where(Speaker.family_name_en == family_en))


def test_index_lists_upcoming_before_past_with_korean_dates(client, demo):
    html = _text(client.get("/?lang=ko"))
    assert "2025년 2월 11일" in html
    assert "2027년 3월 11일~13일" in html
    upcoming, past = html.split("지난 행사")
    assert "AI 서울 페스타 2027" in upcoming and "등록 중" in upcoming
    assert "AI 서울 2025" in past and "종료" in past


def test_index_in_english(client, demo):
    html = _text(client.get("/?lang=en"))
    assert "February 11, 2025" in html
    assert "Current and upcoming events" in html and "Past events" in html


def test_overview_of_the_festa_invites_to_register(client, demo):
    html = _text(client.get(f"/events/{FESTA}/?lang=ko"))
    assert f'href="/events/{FESTA}/register"' in html
    assert "지금 등록하기" in html
    assert "서울 강남구 영동대로 513" in html
    for track in ("AI 인재 양성", "AI 인프라", "AI 투자", "산업 융합", "글로벌화",
                  "시민과 함께하는 AI", "행정 혁신"):
        assert track in html
    assert "잔여 2000석" in html


def test_overview_of_the_past_conference_is_closed(client, demo):
    html = _text(client.get(f"/events/{CONFERENCE}/?lang=en"))
    assert "This event has ended" in html
    assert f'href="/events/{CONFERENCE}/register"' not in html
    assert "Special dialogue: AI and the future of cities" in html  # a highlight


def test_kaplan_dialogue_page_in_korean(client, demo):
    dialogue = _session("Special dialogue: AI and the future of cities")
    html = _text(client.get(f"/events/{CONFERENCE}/sessions/{dialogue.id}?lang=ko"))
    assert "특별대담: AI와 도시의 미래" in html
    assert "오세훈" in html and "제리 캐플런" in html
    assert "2025년 2월 11일 화요일" in html
    assert "10:40" in html and "11:40" in html  # Seoul time, not UTC (01:40)
    assert "그랜드볼룸" in html and "대담" in html and "한국어·영어" in html
    assert "사회" in html  # the moderator's role
    kaplan = _speaker("Kaplan")
    assert f"/events/{CONFERENCE}/speakers/{kaplan.id}" in html


def test_workshop_page_shows_seats_and_reserve_link(client, demo):
    workshop = _session("Build your first AI chatbot")
    workshop.seats_taken = 27
    db.session.commit()
    html = _text(client.get(f"/events/{FESTA}/sessions/{workshop.id}?lang=en"))
    assert "3 seats left" in html
    assert f"/events/{FESTA}/register?sessions={workshop.id}" in html
    html = _text(client.get(f"/events/{FESTA}/sessions/{workshop.id}?lang=ko"))
    assert "잔여 3석" in html and "좌석 예약" in html


def test_session_of_another_event_is_not_found(client, demo):
    dialogue = _session("Special dialogue: AI and the future of cities")
    assert client.get(f"/events/{FESTA}/sessions/{dialogue.id}").status_code == 404
    assert client.get(f"/events/{FESTA}/sessions/999999").status_code == 404


def test_speakers_sorted_by_family_name(client, demo):
    html = _text(client.get(f"/events/{FESTA}/speakers?lang=en"))
    names = re.findall(r'<h2><a href="/events/[^"]+/speakers/\d+">([^<]+)</a></h2>', html)
    assert len(names) >= 28
    families = [_family(name) for name in names]
    assert families == sorted(families, key=str.casefold)
    assert "Kaplan" not in html  # he spoke at the 2025 conference only
    korean = _text(client.get(f"/events/{FESTA}/speakers?lang=ko"))
    assert "오세훈" in korean and "어밀리아 하트" in korean


def _family(name: str) -> str:
    """Family name of a displayed English name (Korean ones first, Western ones last)."""
    speaker = db.session.scalars(sa.select(Speaker)).all()
    from festa.i18n import speaker_name

    match = next(s for s in speaker if speaker_name(s, "en") == name)
    return match.family_name_en


def test_speaker_page_lists_only_this_events_sessions(client, demo):
    mayor = _speaker("Oh")
    html = _text(client.get(f"/events/{FESTA}/speakers/{mayor.id}?lang=ko"))
    assert "오세훈" in html and "Oh Se-hoon" in html and "서울특별시장" in html
    assert "개막 기조연설" in html and "폐막 연설" in html
    assert "7대 핵심 전략" not in html  # his 2025 keynote belongs to the other event
    kaplan = _speaker("Kaplan")
    assert client.get(f"/events/{FESTA}/speakers/{kaplan.id}").status_code == 404


@pytest.mark.parametrize("path", ["/", "/schedule", "/speakers", "/sessions/{session}",
                                  "/speakers/{speaker}"])
def test_unpublished_event_is_not_found(client, app, path):
    event = make_event(published=False)
    speaker = make_speaker()
    session = make_session(event, speakers=[speaker])
    db.session.commit()
    url = f"/events/{event.slug}" + path.format(session=session.id, speaker=speaker.id)
    assert client.get(url).status_code == 404
    assert event.name_en not in client.get("/?lang=en").get_data(as_text=True)


def test_unknown_event_is_not_found(client, app):
    assert client.get("/events/no-such-event/").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(Event.id))) == 0


def test_speakers_show_the_family_name_they_are_sorted_by(client, demo):
    import re

    from tests.program.conftest import FESTA

    html = client.get(f"/events/{FESTA}/speakers?lang=ko").get_data(as_text=True)
    initials = re.findall(r'<span class="avatar" aria-hidden="true">(.)</span>', html)
    assert len(initials) > 5 and initials == sorted(initials)
    assert "성 가나다순" in html
