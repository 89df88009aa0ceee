"""Programme conflicts: what an organizer should fix before publishing.

Plain functions over an event's sessions, loaded once with
`festa.program.queries.schedule_sessions` (plus one query for the same speakers' sessions
at other events, and one for the breaks): a room or a speaker booked twice at overlapping
times (rooms marked "parallel sessions allowed" excepted), a session outside the event's
dates or its room's opening hours, a session over a break or blocker in its room, and a
session with more confirmed reservations than its room has seats. Sessions that merely
touch (one ends at 11:00, the next starts at 11:00) do not conflict; cancelled and
unscheduled sessions never do. Each conflict has a stable `code` and a `message` in the
current language; `hard` ones (`HARD_CODES`) are refused by the schedule editor and the API,
the others are warnings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from festa.extensions import db
from festa.hangul import with_particles
from festa.i18n import format_dt, format_time, local_time, localized, speaker_name
from festa.program.models import (
    BlockKind,
    Event,
    Room,
    ScheduleBlock,
    Session,
    SessionSpeaker,
    Speaker,
)
from festa.program.queries import event_blocks, event_bounds, schedule_sessions

ROOM_DOUBLE_BOOKED = "room_double_booked"
SPEAKER_DOUBLE_BOOKED = "speaker_double_booked"
OUTSIDE_EVENT_DATES = "outside_event_dates"
OUTSIDE_ROOM_HOURS = "outside_room_hours"
OVERLAPS_BREAK = "overlaps_break"
ROOM_TOO_SMALL = "room_too_small"
CODES = (ROOM_TOO_SMALL, ROOM_DOUBLE_BOOKED, SPEAKER_DOUBLE_BOOKED, OUTSIDE_EVENT_DATES,
         OUTSIDE_ROOM_HOURS, OVERLAPS_BREAK)
# People already hold these seats: moving the session into a smaller room is refused.
HARD_CODES = frozenset({ROOM_TOO_SMALL})


@dataclass(frozen=True)
class Conflict:
    """One problem in the programme: `session` (and `other`, for double bookings)."""

    code: str
    session: Session
    other: Session | None = None
    speaker: Speaker | None = None
    block: ScheduleBlock | None = None

    @property
    def hard(self) -> bool:
        """A rule that refuses the change (not merely a warning)."""
        return self.code in HARD_CODES

    def involves(self, session_id: int | None) -> bool:
        return session_id in (self.session.id, self.other.id if self.other else None)

    @property
    def message(self) -> str:
        """The conflict explained in the current language (Korean or English), with the
        Korean particles that fit the titles."""
        return with_particles(_MESSAGES[self.code](self))


@dataclass
class Draft:
    """A session as a form would save it, to check for conflicts before saving."""

    id: int
    event: Event
    title_ko: str
    title_en: str
    starts_at: datetime
    ends_at: datetime
    room: Room | None = None
    speaker_roles: list[SessionSpeaker] = field(default_factory=list)
    cancelled: bool = False
    seats_taken: int = 0

    @property
    def scheduled(self) -> bool:
        return self.starts_at is not None

    @property
    def event_id(self) -> int:
        return self.event.id


def overlaps(a: Session | ScheduleBlock, b: Session | ScheduleBlock) -> bool:
    """True when the two time ranges share more than an instant (touching is fine)."""
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


def room_conflicts(sessions: Iterable[Session]) -> list[Conflict]:
    """Pairs of sessions in the same room at overlapping times."""
    by_room: dict[int, list[Session]] = defaultdict(list)
    for session in sessions:
        if session.room is not None and not session.cancelled and \
                not session.room.parallel_sessions:
            by_room[session.room.id].append(session)
    found = []
    for booked in by_room.values():
        found += [Conflict(ROOM_DOUBLE_BOOKED, a, b) for a, b in _overlapping_pairs(booked)]
    return found


def speaker_conflicts(sessions: Iterable[Session],
                      elsewhere: Iterable[Session] = ()) -> list[Conflict]:
    """A speaker on two overlapping sessions: both here, or one here and one at another event
    (`elsewhere`: the same speakers' sessions at other events)."""
    here = [s for s in sessions if not s.cancelled]
    here_ids = {id(s) for s in here}
    by_speaker: dict[int, list[Session]] = defaultdict(list)
    speakers: dict[int, Speaker] = {}
    for session in [*here, *(s for s in elsewhere if not s.cancelled)]:
        for role in session.speaker_roles:
            by_speaker[role.speaker_id].append(session)
            speakers[role.speaker_id] = role.speaker
    found = []
    for speaker_id, booked in by_speaker.items():
        for a, b in _overlapping_pairs(booked):
            if id(a) not in here_ids:
                a, b = b, a
            if id(a) in here_ids:
                found.append(Conflict(SPEAKER_DOUBLE_BOOKED, a, b, speakers[speaker_id]))
    return found


def date_conflicts(event: Event, sessions: Iterable[Session]) -> list[Conflict]:
    """Sessions starting before the event's first day or ending after its last."""
    start, end = event_bounds(event)
    return [
        Conflict(OUTSIDE_EVENT_DATES, s)
        for s in sessions
        if not s.cancelled and (s.starts_at < start or s.ends_at > end + timedelta(seconds=1))
    ]


def room_hours_conflicts(event: Event, sessions: Iterable[Session]) -> list[Conflict]:
    """Sessions outside their room's opening hours (in the event's time zone)."""
    return [
        Conflict(OUTSIDE_ROOM_HOURS, s)
        for s in sessions
        if not s.cancelled and s.room is not None and _outside_hours(event, s)
    ]


def block_conflicts(sessions: Iterable[Session],
                    blocks: Iterable[ScheduleBlock]) -> list[Conflict]:
    """Sessions over a break or a blocker in their room."""
    by_room: dict[int, list[ScheduleBlock]] = defaultdict(list)
    for block in blocks:
        by_room[block.room_id].append(block)
    return [
        Conflict(OVERLAPS_BREAK, s, block=b)
        for s in sessions if not s.cancelled and s.room is not None
        for b in by_room.get(s.room.id, ()) if overlaps(s, b)
    ]


def capacity_conflicts(sessions: Iterable[Session]) -> list[Conflict]:
    """Sessions whose confirmed reservations do not fit their room (a hard rule)."""
    return [
        Conflict(ROOM_TOO_SMALL, s)
        for s in sessions
        if not s.cancelled and s.room is not None and s.room.capacity is not None
        and s.seats_taken > s.room.capacity
    ]


def find_conflicts(event: Event, sessions: Sequence[Session],
                   elsewhere: Iterable[Session] = (),
                   blocks: Iterable[ScheduleBlock] = ()) -> list[Conflict]:
    """Every conflict among already loaded sessions, in a stable order (unscheduled
    sessions have none)."""
    sessions = [s for s in sessions if s.scheduled]
    found = [
        *capacity_conflicts(sessions),
        *room_conflicts(sessions),
        *speaker_conflicts(sessions, elsewhere),
        *date_conflicts(event, sessions),
        *room_hours_conflicts(event, sessions),
        *block_conflicts(sessions, blocks),
    ]
    return sorted(found, key=lambda c: (c.session.starts_at, CODES.index(c.code)))


def event_conflicts(event: Event, sessions: Sequence[Session] | None = None) -> list[Conflict]:
    """The event's conflicts. Pass the sessions if the page loaded them already
    (`schedule_sessions`); else they are loaded here, in a constant number of queries."""
    if sessions is None:
        sessions = schedule_sessions(event, include_cancelled=False)
    active = [s for s in sessions if not s.cancelled and s.scheduled]
    return find_conflicts(event, active, speakers_elsewhere(event, active),
                          event_blocks(event))


def draft_conflicts(event: Event, draft: Draft) -> list[Conflict]:
    """The conflicts a session would have if saved as `draft` (nothing is written)."""
    if not draft.scheduled:
        return []
    sessions = [s for s in schedule_sessions(event, include_cancelled=False) if s.id != draft.id]
    sessions.append(draft)
    found = find_conflicts(event, sessions, speakers_elsewhere(event, sessions),
                           event_blocks(event))
    return [c for c in found if c.session is draft or c.other is draft]



def for_session(conflicts: Iterable[Conflict], session_id: int) -> list[Conflict]:
    return [c for c in conflicts if c.involves(session_id)]


def count_by_code(conflicts: Iterable[Conflict]) -> dict[str, int]:
    counts = dict.fromkeys(CODES, 0)
    for conflict in conflicts:
        counts[conflict.code] += 1
    return counts


def speakers_elsewhere(event: Event, sessions: Sequence[Session]) -> list[Session]:
    """Sessions at other events that share a speaker with `sessions` and could overlap them."""
    sessions = [s for s in sessions if s.scheduled]
    speaker_ids = {r.speaker_id for s in sessions for r in s.speaker_roles}
    if not speaker_ids:
        return []
    first = min(s.starts_at for s in sessions)
    last = max(s.ends_at for s in sessions)
    shared = sa.select(SessionSpeaker.session_id).where(SessionSpeaker.speaker_id.in_(speaker_ids))
    query = (
        sa.select(Session)
        .where(Session.event_id != event.id, Session.cancelled.is_(False),
               Session.starts_at < last, Session.ends_at > first, Session.id.in_(shared))
        .options(selectinload(Session.event),
                 selectinload(Session.speaker_roles).selectinload(SessionSpeaker.speaker))
    )
    return list(db.session.scalars(query))


def _overlapping_pairs(sessions: list[Session]) -> list[tuple[Session, Session]]:
    """Overlapping pairs, earlier session first; sorted sweep, so touching ones never pair."""
    ordered = sorted(sessions, key=lambda s: (s.starts_at, s.ends_at))
    pairs = []
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            if b.starts_at >= a.ends_at:
                break
            if b is not a:
                pairs.append((a, b))
    return pairs


def _room_day(room: Room) -> tuple[time, time | None]:
    return room.opens_at or time.min, room.closes_at


def _outside_hours(event: Event, session: Session) -> bool:
    room = session.room
    if room.opens_at is None and room.closes_at is None:
        return False
    opens, closes = _room_day(room)
    start = local_time(session.starts_at, event.timezone)
    end = local_time(session.ends_at, event.timezone)
    if end.date() != start.date():
        # Past midnight: fine only for a room open until midnight and a session ending at 00:00.
        ends_at_midnight = end.time() == time.min and end.date() == start.date() + timedelta(1)
        return closes is not None or not ends_at_midnight or start.time() < opens
    return start.time() < opens or (closes is not None and end.time() > closes)


def _longer_than_day(session: Session) -> bool:
    opens, closes = _room_day(session.room)
    day = datetime.combine(datetime.min, closes or time.max) - datetime.combine(datetime.min, opens)
    return session.ends_at - session.starts_at > day


def _title(session: Session) -> str:
    return localized(session, "title")


def _room_message(c: Conflict) -> str:
    return _("%(room)s is booked twice: “%(title)s” and “%(other)s” overlap.",
             room=localized(c.session.room, "name"), title=_title(c.session),
             other=_title(c.other))


def _speaker_message(c: Conflict) -> str:
    names = {"speaker": speaker_name(c.speaker), "title": _title(c.session),
             "other": _title(c.other)}
    if c.other.event_id != c.session.event_id:
        return _("%(speaker)s is booked twice: “%(title)s” overlaps “%(other)s” at %(event)s.",
                 event=localized(c.other.event, "name"), **names)
    return _("%(speaker)s is booked twice: “%(title)s” and “%(other)s” overlap.", **names)


def _dates_message(c: Conflict) -> str:
    return _("“%(title)s” (%(when)s) is outside the event's dates.",
             title=_title(c.session), when=format_dt(c.session.starts_at, "short",
                                                    c.session.event.timezone))


def _hours_message(c: Conflict) -> str:
    room = c.session.room
    opens, closes = _room_day(room)
    zone = c.session.event.timezone
    names = {"title": _title(c.session), "room": localized(room, "name"),
             "opens": opens.strftime("%H:%M"), "closes": (closes or time.max).strftime("%H:%M"),
             "start": format_time(c.session.starts_at, tz=zone),
             "end": format_time(c.session.ends_at, tz=zone)}
    if _longer_than_day(c.session):
        return _("“%(title)s” is longer than the room's day: %(room)s is open "
                 "%(opens)s–%(closes)s.", **names)
    return _("“%(title)s” (%(start)s–%(end)s) is outside the opening hours of %(room)s "
             "(%(opens)s–%(closes)s).", **names)


def _block_message(c: Conflict) -> str:
    names = {"title": _title(c.session), "block": localized(c.block, "title"),
             "room": localized(c.block.room, "name")}
    if c.block.kind == BlockKind.BLOCKER:
        return _("“%(title)s” overlaps the blocked time “%(block)s” in %(room)s.", **names)
    return _("“%(title)s” overlaps the break “%(block)s” in %(room)s.", **names)


def _too_small_message(c: Conflict) -> str:
    return _("%(room)s has %(capacity)d seats, but %(taken)d people hold a confirmed seat in "
             "“%(title)s”.", room=localized(c.session.room, "name"),
             capacity=c.session.room.capacity, taken=c.session.seats_taken,
             title=_title(c.session))


_MESSAGES = {
    ROOM_TOO_SMALL: _too_small_message,
    OVERLAPS_BREAK: _block_message,
    ROOM_DOUBLE_BOOKED: _room_message,
    SPEAKER_DOUBLE_BOOKED: _speaker_message,
    OUTSIDE_EVENT_DATES: _dates_message,
    OUTSIDE_ROOM_HOURS: _hours_message,
}
