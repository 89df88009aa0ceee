"""The schedule: grid placement, filters, search, now / next and a constant query count."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from festa.extensions import db
from tests.factories import (
    make_event,
    make_room,
    make_session,
    make_speaker,
    make_track,
    make_venue,
    seoul,
)


@pytest.fixture
def small(app):
    """Two rooms, two tracks, four sessions over two days (10:00 Seoul time, day one)."""
    venue = make_venue()
    event = make_event(venue=venue)
    hall, lab = make_room(venue, name_en="Hall", name_ko="홀"), make_room(venue, name_en="Lab",
                                                                        name_ko="랩")
    ai, city = make_track(event, name_en="AI", color="#2e7d32"), make_track(event, name_en="City")
    kim = make_speaker(family_name_ko="김", given_name_ko="하늘", family_name_en="Kim",
                       given_name_en="Ha-neul")
    day1, day2 = event.start_date, event.start_date + timedelta(days=1)
    sessions = {
        "keynote": make_session(event, hall, start=seoul(day1, 10), minutes=60, kind="keynote",
                                track=ai, language="ko+en", title_en="Opening keynote",
                                title_ko="개막 기조연설", speakers=[kim]),
        "talk": make_session(event, lab, start=seoul(day1, 10), minutes=45, kind="talk",
                             track=city, language="en", title_en="Robots in streets",
                             title_ko="거리의 로봇"),
        "later": make_session(event, hall, start=seoul(day1, 11, 30), minutes=30, kind="talk",
                              track=city, language="ko", title_en="Citizens and AI",
                              title_ko="시민과 AI"),
        "workshop": make_session(event, lab, start=seoul(day2, 14), minutes=90, kind="workshop",
                                 track=ai, language="ko", title_en="Chatbot lab",
                                 title_ko="챗봇 실습", capacity=20, reservation_required=True,
                                 seats_taken=18),
    }
    db.session.commit()
    return event, sessions, (ai, city), (day1, day2)


def _page(client, event, query: str = "") -> str:
    response = client.get(f"/events/{event.slug}/schedule?lang=en&{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _titles(html: str) -> set[str]:
    return set(re.findall(r'<h3 id="s\d+-title"><a [^>]+>([^<]+)</a></h3>', html))


def _placement(html: str, session) -> tuple[int, int, int]:
    match = re.search(
        r'style="grid-column: (\d+); grid-row: (\d+) / (\d+);[^"]*"\s+'
        rf'aria-labelledby="s{session.id}-title"', html)
    return tuple(int(part) for part in match.groups())


def test_grid_places_sessions_by_room_and_time(client, small):
    event, s, _tracks, _days = small
    html = _page(client, event)
    assert _placement(html, s["keynote"]) == (2, 2, 14)  # Hall, 10:00, twelve 5-minute rows
    assert _placement(html, s["talk"]) == (3, 2, 11)  # Lab, same start, 45 minutes
    assert _placement(html, s["later"]) == (2, 20, 26)  # 11:30 = 18 rows after 10:00
    assert html.count('class="grid-room-head"') == 3  # Hall and Lab on day one, Lab on day two
    assert ">10:00</div>" in html and ">11:30</div>" in html  # time labels


def test_overlapping_sessions_in_one_room_sit_side_by_side(app):
    """14:00–16:00 and 15:00–16:30 in one lab take one lane each; 16:30 has the room again."""
    from zoneinfo import ZoneInfo

    from festa.program.presentation import build_day

    event = make_event()
    lab, hall = make_room(event.venue, position=1), make_room(event.venue, position=2)
    day = event.start_date
    chatbot = make_session(event, lab, start=seoul(day, 14), minutes=120)
    ethics = make_session(event, lab, start=seoul(day, 15), minutes=90)
    evening = make_session(event, lab, start=seoul(day, 16, 30), minutes=60)
    keynote = make_session(event, hall, start=seoul(day, 14), minutes=60)
    grid = build_day(day, [chatbot, keynote, ethics, evening], ZoneInfo("Asia/Seoul"),
                     seoul(day, 8))
    place = {item.session.id: (item.column, item.span) for item in grid.items}
    assert place[chatbot.id] == (2, 1) and place[ethics.id] == (3, 1)
    assert place[evening.id] == (2, 2)  # alone again: the room's full width
    assert place[keynote.id] == (4, 1)  # the next room starts after the lab's two lanes
    assert [(h.room, h.column, h.span) for h in grid.rooms] == [(lab, 2, 2), (hall, 4, 1)]
    assert grid.columns == 3


def test_every_filter_narrows_the_list(client, small):
    event, s, (ai, city), (day1, day2) = small
    everything = _titles(_page(client, event))
    assert everything == {"Opening keynote", "Robots in streets", "Citizens and AI", "Chatbot lab"}
    cases = {
        f"day={day2.isoformat()}": {"Chatbot lab"},
        f"track={ai.id}": {"Opening keynote", "Chatbot lab"},
        "language=en": {"Opening keynote", "Robots in streets"},  # bilingual sessions suit both
        "kind=workshop": {"Chatbot lab"},
        "q=robot": {"Robots in streets"},
        f"track={city.id}&language=ko": {"Citizens and AI"},
    }
    for query, expected in cases.items():
        assert _titles(_page(client, event, query)) == expected, query


def test_search_understands_hangul_and_speaker_names(client, small):
    event, *_ = small
    assert _titles(_page(client, event, "q=ㄱㅎㄴ")) == {"Opening keynote"}  # 김하늘's initials
    assert _titles(_page(client, event, "q=Ha-neul")) == {"Opening keynote"}
    assert _titles(_page(client, event, "q=로봇")) == {"Robots in streets"}
    assert _titles(_page(client, event, "q=ㅊㅂ")) == {"Chatbot lab"}  # 챗봇
    html = _page(client, event, "q=nothing-like-this")
    assert _titles(html) == set() and "No sessions match these filters." in html


def test_bad_filter_values_are_ignored(client, small):
    event, *_ = small
    html = _page(client, event, "day=2001-01-01&track=999&language=fr&kind=party&q=")
    assert len(_titles(html)) == 4


def test_day_tabs_keep_the_other_filters(client, small):
    event, _s, (ai, _city), (day1, _day2) = small
    html = _page(client, event, f"track={ai.id}")
    assert f"day={day1.isoformat()}&amp;track={ai.id}" in html
    assert 'aria-current="page">All days' in html


def test_seats_left_badge_for_reservable_sessions(client, small):
    event, *_ = small
    html = _page(client, event)
    assert "2 seats left" in html
    assert html.count("seats left") == 1


@pytest.mark.app_config()
def test_now_and_next_marked_during_the_event(client, app, small):
    event, s, _tracks, (day1, _day2) = small
    app.config["FESTA_NOW"] = seoul(day1, 10, 50)
    html = _page(client, event)
    assert re.search(r'class="sched-item kind-keynote is-now"', html)
    assert 'class="sched-item kind-talk is-now"' not in html  # the talk ended at 10:45
    assert re.search(rf'is-next"[^>]+aria-labelledby="s{s["later"].id}-title"', html)
    assert 'class="now-next"' in html and "now-line" in html
    assert "Now 10:50" in html


def test_no_now_marker_before_the_event(client, app, small):
    event, _s, _tracks, (day1, _day2) = small
    app.config["FESTA_NOW"] = seoul(day1 - timedelta(days=3), 10, 50)
    html = _page(client, event)
    assert "is-now" not in html and "is-next" not in html and 'class="now-next"' not in html


def _big_event(count: int):
    venue = make_venue()
    event = make_event(venue=venue)
    rooms = [make_room(venue) for _ in range(5)]
    tracks = [make_track(event) for _ in range(3)]
    speakers = [make_speaker() for _ in range(4)]
    for n in range(count):
        day = event.start_date + timedelta(days=n % 2)
        make_session(event, rooms[n % 5], start=seoul(day, 8 + (n // 10) % 12, 5 * (n % 10)),
                     minutes=30, track=tracks[n % 3], speakers=[speakers[n % 4]],
                     capacity=30 if n % 7 == 0 else None, reservation_required=n % 7 == 0)
    db.session.commit()
    return event


@pytest.mark.parametrize("path", ["/events/{slug}/schedule", "/api/v1/events/{slug}/sessions"])
def test_query_count_does_not_grow_with_sessions(client, app, count_queries, path):
    counts = []
    for size in (10, 500):
        url = path.format(slug=_big_event(size).slug)
        db.session.remove()  # nothing cached in the identity map
        with count_queries() as counter:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
