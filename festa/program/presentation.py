"""How the public programme is presented: filters, search, the schedule grid, "now / next",
dates. (The programme's write rules are `festa.program.editing` and `.sessions`.)

Plain functions over sessions already loaded by `festa.program.queries` (no SQL here), so
the schedule page costs the same number of queries however many sessions an event has.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_interval

from festa.hangul import matches
from festa.i18n import current_language, format_day, localized, speaker_name
from festa.program.models import (
    Event,
    Room,
    ScheduleBlock,
    Session,
    SessionKind,
    SessionLanguage,
)
from festa.program.queries import EventDates, event_bounds, registration_open, uses_language

SLOT_MINUTES = 5
LABEL_MINUTES = 30


def date_range(start: date, end: date) -> str:
    """'2027년 3월 11일~13일' or 'Mar 11 – 13, 2027'; one day: '2025년 2월 11일'."""
    if start == end:
        return format_date(start, "long", locale=current_language())
    return format_interval(start, end, "yMMMd", locale=current_language())


def short_day(value: date | datetime, tz: str = "Asia/Seoul") -> str:
    """A short day with its weekday: '3월 11일 (목)' or 'Thu 11 Mar' (the site's one style)."""
    return format_day(value, "short", tz)


HIGHLIGHT_KINDS = ("keynote", "dialogue", "panel")


def front_page_sessions(sessions: list[Session], limit: int = 4) -> dict[str, list[Session]]:
    """For the home page's leading event: its highlights (keynotes, dialogues, panels, in
    time order) and the workshops that take reservations, with their seats."""
    return {
        "highlights": [s for s in sessions if s.kind in HIGHLIGHT_KINDS][:limit],
        "workshops": [s for s in sessions
                      if s.reservation_required and s.capacity is not None][:limit],
    }


def registration_state(event: Event, now: datetime) -> str:
    """One of "open", "not_yet", "closed" (window over) or "ended" (the event is over)."""
    if registration_open(event, now):
        return "open"
    if now > event_bounds(event)[1]:
        return "ended"
    if event.registration_opens_at and now < event.registration_opens_at:
        return "not_yet"
    return "closed"


def event_days(event: EventDates) -> list[date]:
    count = (event.end_date - event.start_date).days + 1
    return [event.start_date + timedelta(days=n) for n in range(count)]


def local_day(session: Session, zone: ZoneInfo) -> date:
    return session.starts_at.astimezone(zone).date()


@dataclass
class ScheduleFilters:
    """What the attendee asked to see; unknown values are ignored rather than refused."""

    day: date | None = None
    track: int | None = None
    language: str | None = None
    kind: str | None = None
    q: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str], dates: EventDates,
                  event: Callable[[], Event]) -> ScheduleFilters:
        """The filters asked for in `args`, checked against the event: its `dates`, and
        the event itself (`event()`) only when a track or another language is asked for."""
        day = _parse_day(args.get("day", ""))
        track = _parse_int(args.get("track", ""))
        language = args.get("language") or None
        kind = args.get("kind") or None
        # Checked without loading the programme: this runs before the render cache is asked.
        return cls(
            day=day if day in event_days(dates) else None,
            track=track if track is not None and track in {t.id for t in event().tracks} else None,
            language=language if language is not None and (
                language in list(SessionLanguage) or uses_language(event(), language)) else None,
            kind=kind if kind in set(SessionKind) else None,
            q=(args.get("q") or "").strip()[:100],
        )

    @property
    def narrowed(self) -> bool:
        """True when anything other than the day narrows the list."""
        return bool(self.track or self.language or self.kind or self.q)

    def args(self, **changes: object) -> dict[str, str]:
        """Query parameters for a link to this view with some filters changed."""
        values = {"day": self.day, "track": self.track, "language": self.language,
                  "kind": self.kind, "q": self.q}
        values.update(changes)
        return {k: str(v) for k, v in values.items() if v not in (None, "")}


def _parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _parse_int(text: str) -> int | None:
    # ASCII digits only ("²".isdigit() is true) and within a 32-bit id.
    return int(text) if text.isascii() and text.isdigit() and int(text) < 2**31 else None


def session_text_matches(session: Session, query: str) -> bool:
    """Hangul-aware search over both titles and every speaker's name in both languages."""
    texts = [session.title_ko, session.title_en]
    for role in session.speaker_roles:
        texts += [speaker_name(role.speaker, "ko"), speaker_name(role.speaker, "en")]
        texts += [name.strip() for name in role.speaker.also_known_as.split(",") if name.strip()]
    return any(matches(query, text) for text in texts)


def event_languages(sessions: list[Session]) -> list[str]:
    """The languages to filter by: Festa's three, then any other code the programme uses
    (an imported programme may have German or French sessions)."""
    own = list(SessionLanguage)
    others = sorted({s.language for s in sessions if s.language and s.language not in own})
    return own + others


def language_matches(session: Session, wanted: str) -> bool:
    """A bilingual session suits both Korean and English listeners."""
    return session.language == wanted or (
        session.language == SessionLanguage.BOTH
        and wanted in (SessionLanguage.KO, SessionLanguage.EN)
    )


def filter_sessions(sessions: Iterable[Session], filters: ScheduleFilters,
                    zone: ZoneInfo) -> list[Session]:
    result = []
    for session in sessions:
        if filters.day and local_day(session, zone) != filters.day:
            continue
        if filters.track and session.track_id != filters.track:
            continue
        if filters.kind and session.kind != filters.kind:
            continue
        if filters.language and not language_matches(session, filters.language):
            continue
        if filters.q and not session_text_matches(session, filters.q):
            continue
        result.append(session)
    return result


def now_and_next(sessions: Iterable[Session], now: datetime) -> tuple[list[Session], list[Session]]:
    """Sessions running at `now`, and those starting next (all that share the next start)."""
    live = [s for s in sessions if not s.cancelled]
    running = [s for s in live if s.starts_at <= now < s.ends_at]
    later = [s for s in live if s.starts_at > now]
    if not later:
        return running, []
    first = min(s.starts_at for s in later)
    return running, [s for s in later if s.starts_at == first]


@dataclass
class GridItem:
    session: Session
    column: int
    row_start: int
    row_end: int
    span: int = 1  # columns: sessions that overlap in one room sit side by side in lanes


@dataclass
class RoomHead:
    room: Room | None
    column: int
    span: int


@dataclass
class DayGrid:
    """One day of the schedule: room columns, 5-minute rows, sessions placed by time.

    Row 1 holds the room names; row r >= 2 starts at `start + (r - 2) * 5 minutes`."""

    day: date
    rooms: list[RoomHead]
    items: list[GridItem]
    rows: int
    labels: list[tuple[datetime, int]] = field(default_factory=list)
    now_row: int | None = None
    now_index: int | None = None  # how many items (in time order) start before "now"
    columns: int = 0  # lanes of all rooms (the time axis not counted)


def _minutes(value: datetime) -> int:
    return value.hour * 60 + value.minute


def build_day(day: date, sessions: list[Session], zone: ZoneInfo, now: datetime) -> DayGrid:
    """Lay out one day's (already filtered, time-ordered) sessions on the grid."""
    rooms = sorted({s.room for s in sessions if s.room}, key=lambda r: (r.position, r.id))
    if any(s.room is None for s in sessions):
        rooms.append(None)
    starts = [_minutes(s.starts_at.astimezone(zone)) for s in sessions]
    ends = [_ends_minutes(s, zone, day) for s in sessions]
    first = min(starts) // LABEL_MINUTES * LABEL_MINUTES
    last = -(-max(ends) // LABEL_MINUTES) * LABEL_MINUTES
    items = [
        GridItem(s, 0, 2 + (b - first) // SLOT_MINUTES,
                 2 + max(-(-(e - first) // SLOT_MINUTES), (b - first) // SLOT_MINUTES + 1))
        for s, b, e in zip(sessions, starts, ends, strict=True)
    ]
    heads, column = [], 2
    for room in rooms:
        lanes = _place_in_lanes([i for i in items if i.session.room == room], column)
        heads.append(RoomHead(room, column, lanes))
        column += lanes
    midnight = datetime.combine(day, datetime.min.time(), zone)
    labels = [(midnight + timedelta(minutes=m), 2 + (m - first) // SLOT_MINUTES)
              for m in range(first, last, LABEL_MINUTES)]
    grid = DayGrid(day, heads, items, (last - first) // SLOT_MINUTES, labels,
                   columns=column - 2)
    local_now = now.astimezone(zone)
    if local_now.date() == day and first <= _minutes(local_now) < last:
        grid.now_row = 2 + (_minutes(local_now) - first) // SLOT_MINUTES
        grid.now_index = sum(1 for s in sessions if s.starts_at <= now)
    return grid


def _place_in_lanes(items: list[GridItem], first_column: int) -> int:
    """Give one room's items (time-ordered) their columns; the number of lanes it needs.

    Items that overlap in time form a cluster; each takes the lowest lane free at its start,
    and the room is as wide as its busiest cluster. An item spans the lanes its cluster
    leaves empty to its right, so a lone session keeps the room's full width."""
    clusters: list[list[GridItem]] = []
    cluster_end = 0
    for item in items:
        if not clusters or item.row_start >= cluster_end:
            clusters.append([])
            cluster_end = item.row_end
        clusters[-1].append(item)
        cluster_end = max(cluster_end, item.row_end)
    lanes_of: list[list[int]] = []
    for cluster in clusters:
        lane_ends: list[int] = []
        lanes = []
        for item in cluster:
            lane = next((n for n, end in enumerate(lane_ends) if end <= item.row_start),
                        len(lane_ends))
            if lane == len(lane_ends):
                lane_ends.append(item.row_end)
            else:
                lane_ends[lane] = item.row_end
            lanes.append(lane)
        lanes_of.append(lanes)
    width = max((max(lanes) + 1 for lanes in lanes_of), default=1)
    for cluster, lanes in zip(clusters, lanes_of, strict=True):
        used = max(lanes) + 1
        for item, lane in zip(cluster, lanes, strict=True):
            item.column = first_column + lane
            item.span = width - lane if lane == used - 1 else 1
    return width


def _ends_minutes(session: Session, zone: ZoneInfo, day: date) -> int:
    end = session.ends_at.astimezone(zone)
    return 24 * 60 if end.date() > day else _minutes(end)


def schedule_days(event: Event, sessions: list[Session], filters: ScheduleFilters,
                  now: datetime) -> list[DayGrid]:
    """The grid of each day that has matching sessions (only the chosen day, if any)."""
    zone = ZoneInfo(event.timezone)
    shown = filter_sessions(sessions, filters, zone)
    grids = []
    for day in event_days(event):
        todays = [s for s in shown if local_day(s, zone) == day]
        if todays:
            grids.append(build_day(day, todays, zone, now))
    return grids


@dataclass
class DayBreak:
    """A public break as the schedule lists it: once, with the rooms it applies to (none
    named when it is in every room that day's grid shows)."""

    title: str
    starts_at: datetime
    ends_at: datetime
    rooms: list[str]


def day_breaks(blocks: list[ScheduleBlock], day: date, zone: ZoneInfo,
               room_count: int) -> list[DayBreak]:
    """The public breaks of `day`, the same break in several rooms listed once."""
    grouped: dict[tuple, list[ScheduleBlock]] = {}
    for block in blocks:
        if block.public and block.starts_at.astimezone(zone).date() == day:
            key = (block.starts_at, block.ends_at, block.title_ko, block.title_en)
            grouped.setdefault(key, []).append(block)
    return [
        DayBreak(localized(same[0], "title"), same[0].starts_at, same[0].ends_at,
                 [] if len(same) >= room_count else [localized(b.room, "name") for b in same])
        for same in grouped.values()
    ]
