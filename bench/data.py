"""Bench data, written straight into the bench database (fast, bulk) inside an app context.

Attendees are made in bulk (core INSERTs) with real signed ticket codes, so the scan API
verifies real Ed25519 signatures; the registration benchmarks go through the API instead.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

SEOUL = ZoneInfo("Asia/Seoul")


def make_event(slug: str, *, capacity: int | None = None, days: int = 3):
    """A published event 30 days ahead, registration open now, with one venue."""
    from festa.extensions import db
    from festa.program.models import Event, Venue

    venue = Venue(name_ko="코엑스", name_en="COEX")
    start = (datetime.now(UTC) + timedelta(days=30)).date()
    event = Event(
        slug=slug, name_ko=f"벤치 {slug}", name_en=f"Bench {slug}", start_date=start,
        end_date=start + timedelta(days=days - 1), published=True, venue=venue,
        capacity=capacity, registration_opens_at=datetime.now(UTC) - timedelta(days=1),
        registration_closes_at=datetime.combine(start, time(9), SEOUL),
    )
    db.session.add_all([venue, event])
    db.session.commit()
    return event


def make_sessions(event, count: int, *, rooms: int = 20, capacity: int | None = None) -> list:
    """`count` sessions spread over the event's days and `rooms` rooms (45-minute slots
    from 09:00), with a track each and one speaker per session."""
    from festa.extensions import db
    from festa.program.models import Room, Session, SessionSpeaker, Speaker, Track

    room_rows = [Room(venue_id=event.venue_id, name_ko=f"회의실 {n}", name_en=f"Room {n}",
                      capacity=200, position=n) for n in range(min(rooms, count))]
    tracks = [Track(event=event, name_ko=f"트랙 {n}", name_en=f"Track {n}", position=n)
              for n in range(7)]
    db.session.add_all(room_rows + tracks)
    db.session.flush()
    days = (event.end_date - event.start_date).days + 1
    per_room_day = -(-count // (len(room_rows) * days))
    sessions = []
    for n in range(count):
        room = room_rows[n % len(room_rows)]
        slot = n // len(room_rows)
        day = event.start_date + timedelta(days=slot // per_room_day)
        start = datetime.combine(day, time(9), SEOUL) + timedelta(minutes=45 * (
            slot % per_room_day))
        session = Session(
            event=event, room=room, track=tracks[n % len(tracks)], starts_at=start,
            ends_at=start + timedelta(minutes=40), title_ko=f"세션 {n}", title_en=f"Session {n}",
            kind="talk", language="ko", capacity=capacity,
        )
        speaker = Speaker(family_name_ko="김", given_name_ko=f"연사{n}", family_name_en="Kim",
                          given_name_en=f"Speaker {n}")
        session.speaker_roles.append(SessionSpeaker(speaker=speaker, position=0))
        sessions.append(session)
    db.session.add_all(sessions)
    db.session.commit()
    return sessions


def make_attendees(event, count: int, batch: int = 2000,
                   name: Callable[[int], str] = lambda n: f"참가자 {n}") -> list[str]:
    """`count` confirmed registrations with valid signed tickets; returns the ticket codes.
    `name(n)` names the n-th attendee."""
    from festa.extensions import db
    from festa.registration.models import Registration
    from festa.tickets.codes import sign_ticket
    from festa.tickets.models import Ticket

    codes: list[str] = []
    now = datetime.now(UTC)
    for offset in range(0, count, batch):
        size = min(batch, count - offset)
        reg_ids = db.session.scalars(sa.insert(Registration).returning(Registration.id), [
            dict(event_id=event.id, name=name(offset + i),
                 email=f"attendee{offset + i}@bench.example", status="confirmed",
                 agenda_token=secrets.token_urlsafe(24), consent_at=now, created_at=now,
                 updated_at=now, locale="ko", organization="", source="bench",
                 consent_version="2025-01", secret_version=0)
            for i in range(size)
        ]).all()
        ticket_ids = db.session.scalars(sa.insert(Ticket).returning(Ticket.id), [
            dict(registration_id=rid, event_id=event.id, code=f"pending-{rid}", key_id=0,
                 status="valid", issued_at=now, revoked_reason="")
            for rid in reg_ids
        ]).all()
        updates = []
        for tid in ticket_ids:
            code, kid = sign_ticket(tid, event.id)
            updates.append({"id": tid, "code": code, "key_id": kid})
            codes.append(code)
        db.session.execute(sa.update(Ticket), updates)
        db.session.commit()
    db.session.execute(sa.update(type(event)).where(type(event).id == event.id)
                       .values(seats_taken=type(event).seats_taken + count))
    db.session.commit()
    return codes
