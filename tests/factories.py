"""Small factories that build valid objects with sensible defaults; the caller commits."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from festa import signals
from festa.auth.models import User
from festa.auth.teams import put_on_team
from festa.extensions import db
from festa.program.models import (
    Event,
    Room,
    ScheduleBlock,
    Session,
    SessionSpeaker,
    Speaker,
    Track,
    Venue,
)

SEOUL = ZoneInfo("Asia/Seoul")
_seq = itertools.count(1)

# The tests' usual staff accounts (`auth.login("organizer")`) are on the team of every event
# a test makes, whichever comes first: the event (make_event) or the account (make_user).
HOUSE_TEAM = ("organizer@festa.test", "door@festa.test")


def seoul(day: date, hour: int, minute: int = 0) -> datetime:
    """An aware datetime at a Seoul wall-clock time."""
    return datetime.combine(day, time(hour, minute), SEOUL)


def make_user(email: str | None = None, role: str = "organizer",
              password: str = "correct-horse-battery", teams: tuple = (), **fields) -> User:
    """A staff account, on the team of each event in `teams` (house accounts: of all)."""
    user = User(email=email or f"user{next(_seq)}@festa.test", role=role, **fields)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    join_every_event(user)
    for event in teams:
        put_on_team(event.id, user)
    return user


def make_venue(**fields) -> Venue:
    n = next(_seq)
    values = {"name_ko": f"장소 {n}", "name_en": f"Venue {n}"}
    values.update(fields)
    venue = Venue(**values)
    db.session.add(venue)
    db.session.flush()
    return venue


def make_room(venue: Venue | None = None, **fields) -> Room:
    n = next(_seq)
    values = {"name_ko": f"회의실 {n}", "name_en": f"Room {n}", "capacity": 100, "position": n}
    values.update(fields)
    room = Room(venue=venue or make_venue(), **values)
    db.session.add(room)
    db.session.flush()
    return room


def make_event(team: bool = True, **fields) -> Event:
    """A published event starting in 30 days, for two days, registration open now; the
    house organizer and door staff are on its team (unless `team=False`)."""
    n = next(_seq)
    start = fields.pop("start_date", None) or (datetime.now(UTC) + timedelta(days=30)).date()
    values = {
        "slug": f"event-{n}",
        "name_ko": f"행사 {n}",
        "name_en": f"Event {n}",
        "start_date": start,
        "end_date": start + timedelta(days=1),
        "published": True,
        "registration_opens_at": datetime.now(UTC) - timedelta(days=1),
        "registration_closes_at": seoul(start, 9),
    }
    values.update(fields)
    if "venue" not in values and "venue_id" not in values:
        values["venue"] = make_venue()
    event = Event(**values)
    db.session.add(event)
    db.session.flush()
    if team:
        for user in db.session.scalars(sa.select(User).where(User.email.in_(HOUSE_TEAM))):
            put_on_team(event.id, user)
    signals.send(signals.event_created, event)  # as the app's create_event: its entrance
    return event


def join_every_event(user: User) -> None:
    """Put a house staff account on the team of every event there is."""
    if user.email in HOUSE_TEAM:
        for event_id in db.session.scalars(sa.select(Event.id)):
            put_on_team(event_id, user)


def make_track(event: Event, **fields) -> Track:
    n = next(_seq)
    values = {"name_ko": f"트랙 {n}", "name_en": f"Track {n}", "position": n}
    values.update(fields)
    track = Track(event=event, **values)
    db.session.add(track)
    db.session.flush()
    return track


def make_speaker(**fields) -> Speaker:
    n = next(_seq)
    values = {"family_name_ko": "김", "given_name_ko": f"연사{n}",
              "family_name_en": "Kim", "given_name_en": f"Speaker{n}"}
    values.update(fields)
    speaker = Speaker(**values)
    db.session.add(speaker)
    db.session.flush()
    return speaker


def make_session(event: Event | None = None, room: Room | None = None, *,
                 start: datetime | None = None, minutes: int = 60,
                 speakers: list[Speaker] = (), scheduled: bool = True,
                 **fields) -> Session:
    """A talk on the event's first day at 10:00 Seoul time unless told otherwise
    (`scheduled=False`: no time yet, as in the schedule editor's sidebar)."""
    event = event or make_event()
    if room is None and "room_id" not in fields and scheduled:
        room = make_room(venue=event.venue)
    n = next(_seq)
    start = start or seoul(event.start_date, 10)
    values = {"title_ko": f"세션 {n}", "title_en": f"Session {n}", "kind": "talk",
              "language": "ko"}
    values.update(fields)
    session = Session(event=event, room=room, starts_at=start if scheduled else None,
                      ends_at=start + timedelta(minutes=minutes) if scheduled else None,
                      **values)
    for position, speaker in enumerate(speakers):
        session.speaker_roles.append(SessionSpeaker(speaker=speaker, position=position))
    db.session.add(session)
    db.session.flush()
    return session


def make_block(event: Event, room: Room, *, start: datetime | None = None,
               minutes: int = 30, **fields) -> ScheduleBlock:
    """A public break (kind "break") in `room`, at 12:00 on the event's first day."""
    start = start or seoul(event.start_date, 12)
    values = {"kind": "break", "title_ko": "점심", "title_en": "Lunch"}
    values.update(fields)
    block = ScheduleBlock(event=event, room=room, starts_at=start,
                          ends_at=start + timedelta(minutes=minutes), **values)
    db.session.add(block)
    db.session.flush()
    return block


def make_registration(event: Event | None = None, sessions: list[Session] = (),
                      **fields):
    """A confirmed registration (no seat counting: use festa.registration.services for that),
    with confirmed reservations for `sessions`."""
    import secrets

    from festa.registration.models import Registration, Reservation

    n = next(_seq)
    values = {"name": f"참가자{n}", "email": f"attendee{n}@example.test", "locale": "ko",
              "status": "confirmed", "agenda_token": secrets.token_urlsafe(16)}
    values.update(fields)
    registration = Registration(event=event or make_event(), **values)
    for session in sessions:
        registration.reservations.append(Reservation(session=session, status="confirmed"))
    db.session.add(registration)
    db.session.flush()
    return registration


def make_ticket(registration=None, **registration_fields):
    """A registration's signed ticket (the registration is made when not given)."""
    from festa.tickets.services import issue_ticket

    registration = registration or make_registration(**registration_fields)
    ticket = issue_ticket(registration)
    db.session.flush()
    return ticket
