"""The demo programme: AI Seoul 2025 (a past conference) and next March's AI Seoul Festa.

`load_demo()` is idempotent: events are found by slug, speakers by their demo e-mail,
staff by e-mail, the venue by name; only what is missing is created, in one transaction.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from festa import signals
from festa.auth.models import User
from festa.auth.services import create_user
from festa.auth.teams import put_on_team
from festa.core.transactions import transactional
from festa.extensions import db
from festa.program.demo_festa import SESSIONS as FESTA_SESSIONS
from festa.program.demo_festa import TRACKS as FESTA_TRACKS
from festa.program.demo_speakers import ALSO_KNOWN_AS, SPEAKERS
from festa.program.models import (
    Event,
    Room,
    Session,
    SessionSpeaker,
    Speaker,
    SpeakerRole,
    Track,
    Venue,
)

DEMO_LOGINS = [
    ("admin", "admin@festa.demo", "festa-admin-2025"),
    ("organizer", "organizer@festa.demo", "festa-organizer-2025"),
    ("door", "door@festa.demo", "festa-door-2025"),
]

SEOUL = ZoneInfo("Asia/Seoul")
CONFERENCE_SLUG = "ai-seoul-2025"
FESTA_SLUG_PREFIX = "ai-seoul-festa-"
CONFERENCE_DAY = date(2025, 2, 11)
FESTA_CAPACITY = 2000

# key, name ko, name en, capacity, opens, closes
ROOMS = [
    ("gb", "그랜드볼룸", "Grand Ballroom", 2000, time(8), time(21)),
    ("aud", "오디토리움", "Auditorium", 1000, time(8), time(20)),
    ("c317", "컨퍼런스룸 317", "Conference Room 317", 300, time(9), time(19)),
    ("c327", "컨퍼런스룸 327", "Conference Room 327", 200, time(9), time(19)),
    ("c402", "컨퍼런스룸 402", "Conference Room 402", 150, time(9), time(19)),
    ("labA", "워크숍 랩 A", "Workshop Lab A", 32, time(9), time(18)),
    ("labB", "워크숍 랩 B", "Workshop Lab B", 32, time(9), time(18)),
]

SEVEN_STRATEGIES_KO = (
    "오세훈 서울시장이 서울의 7대 AI 핵심 전략을 발표한다. ① 인재: 매년 AI 인재 1만 명 양성"
    "(청년취업사관학교 4천 명, 대학 6천 명) ② 인프라: 양재 AI 허브의 10배인 27만㎡ 규모 "
    "'서울 AI 테크시티' 조성 ③ 투자: 2년간 5천억 원 규모 AI 펀드 조성과 GPU 지원 확대 "
    "④ 산업 융합: AI와 바이오·로봇·핀테크, 디자인·뷰티의 융합 ⑤ 글로벌화 "
    "⑥ 시민과 함께: 3월 '서울 AI 페스타' 개최 ⑦ 행정 혁신: AI 데이터 플랫폼 구축, "
    "서울디지털재단을 서울AI재단으로 개편."
)
SEVEN_STRATEGIES_EN = (
    "Mayor Oh Se-hoon announces Seoul's seven core AI strategies: (1) talent — 10,000 AI "
    "people a year, 4,000 through a youth job academy and 6,000 through universities; "
    "(2) infrastructure — a 270,000 m² \"Seoul AI Tech City\", ten times the Yangjae AI hub; "
    "(3) investment — a 500 billion won fund over two years and more GPU support; "
    "(4) cross-industry convergence — AI with bio, robotics and fintech, plus design and "
    "beauty; (5) globalisation; (6) reaching citizens — a \"Seoul AI Festa\" in March; "
    "(7) administrative innovation — an AI data platform, and the Seoul Digital Foundation "
    "becomes the Seoul AI Foundation."
)

CONFERENCE_SESSIONS: list[tuple] = [
    (0, "gb", "10:00", 40, "keynote", None, "ko",
     ("서울 AI 비전: 7대 핵심 전략", "Seoul's AI vision: seven core strategies"),
     (SEVEN_STRATEGIES_KO, SEVEN_STRATEGIES_EN), ("mayor",), None),
    (0, "gb", "10:40", 60, "dialogue", None, "ko+en",
     ("특별대담: AI와 도시의 미래", "Special dialogue: AI and the future of cities"),
     ("오세훈 시장과 『생성형 AI는 어떤 미래를 만드는가』(Generative Artificial Intelligence: "
      "What Everyone Needs to Know)의 저자 제리 캐플런 스탠퍼드대 교수가 AI 시대 도시의 "
      "미래를 이야기한다.",
      "Mayor Oh Se-hoon in conversation with Stanford professor Jerry Kaplan, author of "
      "\"Generative Artificial Intelligence: What Everyone Needs to Know\", on what AI means "
      "for the future of cities."),
     ("mayor", "kaplan", "@k_kwon"), None),
    (0, "gb", "13:00", 50, "panel", None, "ko",
     ("AI 인재 1만 명, 어떻게 키울까", "Ten thousand AI people a year: how?"),
     ("청년취업사관학교와 대학이 함께 만드는 AI 인재 양성 계획.",
      "How the youth job academy and universities will train AI people together."),
     ("@k_park", "k_lim", "i_vogel"), None),
    (0, "gb", "14:00", 40, "talk", None, "ko",
     ("양재에서 서울 AI 테크시티로", "From Yangjae to the Seoul AI Tech City"),
     ("27만㎡ 규모 서울 AI 테크시티 구상.", "The plan for a 270,000 m² Seoul AI Tech City."),
     ("k_kang",), None),
    (0, "gb", "14:50", 50, "panel", None, "ko+en",
     ("AI 펀드와 서울의 스타트업", "The AI fund and Seoul's start-ups"),
     ("5천억 원 규모 AI 펀드가 스타트업 생태계에 주는 의미.",
      "What a 500 billion won AI fund means for start-ups."),
     ("@k_jung", "k_han", "i_ferreira"), None),
    (0, "gb", "15:50", 40, "talk", None, "ko",
     ("AI 데이터 플랫폼과 행정 혁신", "An AI data platform for city hall"),
     ("서울AI재단과 함께 바뀔 행정 서비스.", "City services with the new Seoul AI Foundation."),
     ("k_kim",), None),
]


# The demo events are Seoul's: structured data names the city as organizer.
DEMO_ORGANIZER = ("서울특별시", "Seoul Metropolitan Government")
DEMO_ORGANIZER_URL = "https://www.seoul.go.kr"

def seoul(day: date, hhmm: str) -> datetime:
    hour, minute = (int(part) for part in hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), SEOUL)


def festa_start(today: date) -> date:
    """The Thursday on or after 10 March of the coming March (this year's if before March)."""
    year = today.year if today.month < 3 else today.year + 1
    day = date(year, 3, 10)
    return day + timedelta(days=(3 - day.weekday()) % 7)


def _venue() -> tuple[Venue, dict[str, Room]]:
    venue = db.session.scalar(sa.select(Venue).where(Venue.name_en == "COEX"))
    if venue is None:
        venue = Venue(name_ko="코엑스", name_en="COEX", address_ko="서울 강남구 영동대로 513",
                      address_en="513 Yeongdong-daero, Gangnam-gu, Seoul")
        for position, (_key, ko, en, capacity, opens, closes) in enumerate(ROOMS):
            venue.rooms.append(Room(name_ko=ko, name_en=en, capacity=capacity,
                                    position=position, opens_at=opens, closes_at=closes))
        db.session.add(venue)
        db.session.flush()
    by_name = {room.name_en: room for room in venue.rooms}
    return venue, {key: by_name[en] for key, _ko, en, *_rest in ROOMS if en in by_name}


def _speakers() -> dict[str, Speaker]:
    found = {}
    for key, ko, en, given_first, affiliation, title, bio in SPEAKERS:
        email = f"{key.replace('_', '.')}@speakers.festa.demo"
        speaker = db.session.scalar(sa.select(Speaker).where(Speaker.email == email))
        if speaker is None:
            speaker = Speaker(
                family_name_ko=ko[0], given_name_ko=ko[1], family_name_en=en[0],
                given_name_en=en[1], given_name_first=given_first,
                affiliation_ko=affiliation[0], affiliation_en=affiliation[1],
                title_ko=title[0], title_en=title[1], bio_ko=bio[0], bio_en=bio[1], email=email,
            )
            db.session.add(speaker)
        speaker.also_known_as = ALSO_KNOWN_AS.get(key, speaker.also_known_as or "")
        found[key] = speaker
    return found


def _add_sessions(event: Event, rows: list[tuple], rooms: dict[str, Room],
                  tracks: dict[str, Track], speakers: dict[str, Speaker]) -> None:
    for day, room, start, minutes, kind, track, lang, title, abstract, people, cap in rows:
        starts_at = seoul(event.start_date + timedelta(days=day), start)
        session = Session(
            event=event, room=rooms[room], track=tracks.get(track), kind=kind, language=lang,
            title_ko=title[0], title_en=title[1], abstract_ko=abstract[0],
            abstract_en=abstract[1], starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=minutes),
            capacity=cap, reservation_required=cap is not None,
        )
        for position, key in enumerate(people):
            role = SpeakerRole.MODERATOR if key.startswith("@") else SpeakerRole.SPEAKER
            session.speaker_roles.append(SessionSpeaker(
                speaker=speakers[key.lstrip("@")], role=role, position=position))
        db.session.add(session)


def _add_event(event: Event) -> None:
    """Add a demo event as the editor's create_event does: the areas above are told."""
    db.session.add(event)
    db.session.flush()
    signals.send(signals.event_created, event)


def _conference(venue: Venue, rooms: dict[str, Room], speakers: dict[str, Speaker]) -> Event:
    event = Event(
        slug=CONFERENCE_SLUG, name_ko="AI 서울 2025", name_en="AI Seoul 2025",
        description_ko="서울시가 코엑스 그랜드볼룸에서 연 AI 컨퍼런스. 오세훈 시장이 7대 AI 핵심 "
                       "전략을 발표하고 제리 캐플런 스탠퍼드대 교수와 특별대담을 나눴다.",
        description_en="Seoul's AI conference in the COEX Grand Ballroom, where Mayor Oh "
                       "Se-hoon announced seven core AI strategies and held a special dialogue "
                       "with Stanford professor Jerry Kaplan.",
        start_date=CONFERENCE_DAY, end_date=CONFERENCE_DAY, venue=venue, published=True,
        capacity=1500,
        organizer_name_ko=DEMO_ORGANIZER[0], organizer_name_en=DEMO_ORGANIZER[1],
        organizer_url=DEMO_ORGANIZER_URL, country="KR", currency="KRW",
        registration_opens_at=seoul(date(2025, 1, 13), "10:00"),
        registration_closes_at=seoul(date(2025, 2, 10), "18:00"),
    )
    _add_event(event)
    _add_sessions(event, CONFERENCE_SESSIONS, rooms, {}, speakers)
    return event


def festa_slug(now: datetime) -> str:
    """The Festa's slug: the year of the March it falls in."""
    return f"{FESTA_SLUG_PREFIX}{festa_start(now.astimezone(SEOUL).date()).year}"


def _festa(venue: Venue, rooms: dict[str, Room], speakers: dict[str, Speaker],
           now: datetime) -> Event | None:
    start = festa_start(now.astimezone(SEOUL).date())
    slug = festa_slug(now)
    if db.session.scalar(sa.select(Event.id).where(Event.slug == slug)):
        return None
    event = Event(
        slug=slug, name_ko=f"AI 서울 페스타 {start.year}", name_en=f"AI Seoul Festa {start.year}",
        description_ko="시민과 함께하는 서울의 AI 축제. 사흘 동안 코엑스에서 서울의 "
                       "7대 AI 전략을 일곱 개 트랙으로 나눠 기조연설, 대담, 패널, 강연과 "
                       "실습 워크숍을 연다.",
        description_en="Seoul's AI festival for everyone: three days at COEX with keynotes, "
                       "a dialogue, panels, talks and hands-on workshops in seven tracks — the "
                       "city's seven AI strategies.",
        start_date=start, end_date=start + timedelta(days=2), venue=venue, published=True,
        capacity=FESTA_CAPACITY,
        organizer_name_ko=DEMO_ORGANIZER[0], organizer_name_en=DEMO_ORGANIZER[1],
        organizer_url=DEMO_ORGANIZER_URL, country="KR", currency="KRW",
        registration_opens_at=now - timedelta(days=30),
        registration_closes_at=seoul(start - timedelta(days=1), "18:00"),
    )
    _add_event(event)
    tracks = {}
    for position, (key, ko, en, color, desc_ko, desc_en) in enumerate(FESTA_TRACKS):
        tracks[key] = Track(event=event, name_ko=ko, name_en=en, color=color, position=position,
                            description_ko=desc_ko, description_en=desc_en)
    _add_sessions(event, FESTA_SESSIONS, rooms, tracks, speakers)
    return event


def _staff(event_slugs: tuple[str, ...]) -> bool:
    """The demo logins; the organizer and the door staff are on the demo events' teams."""
    created = False
    names = {"admin": "Demo Admin", "organizer": "Demo Organizer", "door": "Demo Door"}
    event_ids = db.session.scalars(sa.select(Event.id).where(Event.slug.in_(event_slugs)))
    event_ids = list(event_ids)
    for role, email, password in DEMO_LOGINS:
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            user = create_user(email, password, role, name=names[role])
            db.session.flush()
            created = True
        if role != "admin":
            for event_id in event_ids:
                put_on_team(event_id, user)
    return created


def is_demo_slug(slug: str) -> bool:
    return slug == CONFERENCE_SLUG or slug.startswith(FESTA_SLUG_PREFIX)


def other_events() -> list[str]:
    """Slugs of the events in the database that the demo did not create."""
    slugs = db.session.scalars(sa.select(Event.slug).order_by(Event.slug))
    return [slug for slug in slugs if not is_demo_slug(slug)]


@transactional
def load_demo(now: datetime | None = None) -> bool:
    """Create whatever part of the demo is missing; True when something was created.

    `now` (aware) fixes "today" for tests; the Festa falls in the March after it."""
    now = now or datetime.now(UTC)
    venue, rooms = _venue()
    speakers = _speakers()
    created = False
    if db.session.scalar(sa.select(Event.id).where(Event.slug == CONFERENCE_SLUG)) is None:
        _conference(venue, rooms, speakers)
        created = True
    created = _festa(venue, rooms, speakers, now) is not None or created
    db.session.flush()
    created = _staff((CONFERENCE_SLUG, festa_slug(now))) or created
    db.session.flush()
    return created
