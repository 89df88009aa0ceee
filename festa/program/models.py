"""The programme: venues and rooms, events, tracks, sessions and speakers."""

from __future__ import annotations

import enum
from datetime import date, datetime, time, timedelta
from urllib.parse import quote, urlsplit

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship, synonym

from festa.dbtypes import UTCDateTime, utcnow
from festa.extensions import db

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
# RFC 3986's reserved and unreserved characters, and % (already encoded): kept as they are.
URI_SAFE = ":/?#[]@!$&'()*+,;=%~-._"


class SessionKind(enum.StrEnum):
    KEYNOTE = "keynote"
    DIALOGUE = "dialogue"
    PANEL = "panel"
    TALK = "talk"
    WORKSHOP = "workshop"


class SessionLanguage(enum.StrEnum):
    KO = "ko"
    EN = "en"
    BOTH = "ko+en"


class SpeakerRole(enum.StrEnum):
    SPEAKER = "speaker"
    MODERATOR = "moderator"


class Venue(db.Model):
    __tablename__ = "venues"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_ko: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    address_ko: Mapped[str] = mapped_column(sa.String(300), default="")
    address_en: Mapped[str] = mapped_column(sa.String(300), default="")

    rooms: Mapped[list[Room]] = relationship(
        back_populates="venue", order_by="Room.position", cascade="all, delete-orphan"
    )
    events: Mapped[list[Event]] = relationship(back_populates="venue")


class Room(db.Model):
    __tablename__ = "rooms"

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(sa.ForeignKey("venues.id", ondelete="CASCADE"))
    name_ko: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    capacity: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)
    # The room's opening hours in the event's time zone; a session may not run outside them.
    opens_at: Mapped[time | None] = mapped_column(sa.Time)
    closes_at: Mapped[time | None] = mapped_column(sa.Time)
    # Poster hall, exhibition: several sessions at once are normal, not a double booking.
    parallel_sessions: Mapped[bool] = mapped_column(default=False)

    venue: Mapped[Venue] = relationship(back_populates="rooms")

    __table_args__ = (
        sa.CheckConstraint("capacity IS NULL OR capacity >= 0", name="room_capacity_nonneg"),
    )


class Event(db.Model):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name_ko: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    description_ko: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    start_date: Mapped[date]
    end_date: Mapped[date]
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Asia/Seoul")
    venue_id: Mapped[int | None] = mapped_column(sa.ForeignKey("venues.id"))
    published: Mapped[bool] = mapped_column(default=False)
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    capacity: Mapped[int | None]
    # Facts for structured data (JSON-LD, Open Graph): who organizes it (and their web
    # address), the country (ISO 3166 alpha-2) and the currency of prices (ISO 4217).
    # Empty: not known, and then not claimed.
    organizer_name_ko: Mapped[str] = mapped_column(sa.String(200), default="")
    organizer_name_en: Mapped[str] = mapped_column(sa.String(200), default="")
    organizer_url: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    country: Mapped[str] = mapped_column(sa.String(2), default="")
    currency: Mapped[str] = mapped_column(sa.String(3), default="")
    # Confirmed registrations, kept by an atomic conditional UPDATE so a rush never oversells.
    seats_taken: Mapped[int] = mapped_column(default=0)
    # Personal data is anonymised this many days after the event ends (the consent notice
    # says so; `festa retention run` does it).
    retention_days: Mapped[int] = mapped_column(default=365, server_default="365")
    schedule_version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    venue: Mapped[Venue | None] = relationship(back_populates="events")

    @property
    def erase_after(self) -> date:
        """The first day on which attendees' personal data may no longer be kept."""
        return self.end_date + timedelta(days=self.retention_days)
    tracks: Mapped[list[Track]] = relationship(
        back_populates="event", order_by="Track.position", cascade="all, delete-orphan"
    )
    sessions: Mapped[list[Session]] = relationship(
        back_populates="event", order_by="Session.starts_at", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint("end_date >= start_date", name="event_dates_ordered"),
        sa.CheckConstraint("capacity IS NULL OR capacity >= 0", name="event_capacity_nonneg"),
        sa.CheckConstraint(
            "capacity IS NULL OR seats_taken <= capacity", name="event_not_oversold"
        ),
    )


class Track(db.Model):
    __tablename__ = "tracks"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    name_ko: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    description_ko: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    color: Mapped[str] = mapped_column(sa.String(7), default="#3355aa")
    position: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship(back_populates="tracks")


class Session(db.Model):
    """One item of the programme: a keynote, dialogue, panel, talk or workshop."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    track_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tracks.id", ondelete="SET NULL"))
    room_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rooms.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(sa.String(20), default=SessionKind.TALK)
    # ko, en, ko+en, or any ISO 639 code (BCP 47 tag) as an imported programme gives it.
    language: Mapped[str] = mapped_column(sa.String(35), default=SessionLanguage.KO)
    title_ko: Mapped[str] = mapped_column(sa.String(300))
    title_en: Mapped[str] = mapped_column(sa.String(300))
    subtitle_ko: Mapped[str] = mapped_column(sa.String(300), default="")
    subtitle_en: Mapped[str] = mapped_column(sa.String(300), default="")
    abstract_ko: Mapped[str] = mapped_column(sa.Text, default="")
    abstract_en: Mapped[str] = mapped_column(sa.Text, default="")
    description_ko: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    # [{"url", "title"}] as the programme file lists them.
    links: Mapped[list | None] = mapped_column(sa.JSON)
    do_not_record: Mapped[bool] = mapped_column(default=False)
    # The session's identity in the file it was imported from (guid, id or code), so a
    # re-import updates it instead of adding a copy.
    source_key: Mapped[str] = mapped_column(sa.String(200), default="")
    # Both empty while the session is not scheduled yet (the editor's sidebar); the public
    # pages, feeds and reservations only ever see scheduled sessions (`Session.scheduled`).
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    capacity: Mapped[int | None]
    reservation_required: Mapped[bool] = mapped_column(default=False)
    seats_taken: Mapped[int] = mapped_column(default=0)
    cancelled: Mapped[bool] = mapped_column(default=False)
    # Bumped on every change: calendar clients replace their copy (iCalendar SEQUENCE), and
    # an edit based on an older number is refused (the API's and the editor's `version`).
    sequence: Mapped[int] = mapped_column(default=0)
    version = synonym("sequence")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship(back_populates="sessions")
    track: Mapped[Track | None] = relationship()
    room: Mapped[Room | None] = relationship()
    speaker_roles: Mapped[list[SessionSpeaker]] = relationship(
        back_populates="session",
        order_by="SessionSpeaker.position",
        cascade="all, delete-orphan",
    )

    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="session_ends_after_start"),
        sa.CheckConstraint("(starts_at IS NULL) = (ends_at IS NULL)",
                           name="session_times_both_or_neither"),
        sa.CheckConstraint("capacity IS NULL OR capacity >= 0", name="session_capacity_nonneg"),
        sa.CheckConstraint(
            "capacity IS NULL OR seats_taken <= capacity", name="session_not_oversold"
        ),
    )

    @hybrid_property
    def scheduled(self) -> bool:
        """Placed on the schedule (has a time); unscheduled sessions wait in the editor."""
        return self.starts_at is not None

    @scheduled.inplace.expression
    @classmethod
    def _scheduled_expression(cls) -> sa.ColumnElement[bool]:
        return cls.starts_at.is_not(None)

    @property
    def seats_left(self) -> int | None:
        if self.capacity is None:
            return None
        return max(self.capacity - self.seats_taken, 0)

    @property
    def web_links(self) -> list[dict[str, str]]:
        """The session's links that are absolute http(s) URLs, as [{"url", "title"}]: an
        imported file may hold relative paths or `javascript:`, which no page may link.
        Spaces and other characters a URI cannot hold are percent-encoded, as browsers do."""
        links = []
        for link in self.links or []:
            url = link.get("url") if isinstance(link, dict) else None
            parts = urlsplit(url.strip()) if isinstance(url, str) else None
            if parts and parts.scheme in ("http", "https") and parts.netloc:
                links.append({"url": quote(parts.geturl(), safe=URI_SAFE),
                              "title": str(link.get("title") or "")})
        return links


class Speaker(db.Model):
    """A person on stage. Speakers are shared between events (the mayor speaks at many)."""

    __tablename__ = "speakers"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_name_ko: Mapped[str] = mapped_column(sa.String(100))
    given_name_ko: Mapped[str] = mapped_column(sa.String(100), default="")
    family_name_en: Mapped[str] = mapped_column(sa.String(100))
    given_name_en: Mapped[str] = mapped_column(sa.String(100), default="")
    # Western names are written given name first, also in Korean ("제리 캐플런").
    given_name_first: Mapped[bool] = mapped_column(default=False)
    affiliation_ko: Mapped[str] = mapped_column(sa.String(200), default="")
    affiliation_en: Mapped[str] = mapped_column(sa.String(200), default="")
    title_ko: Mapped[str] = mapped_column(sa.String(200), default="")
    title_en: Mapped[str] = mapped_column(sa.String(200), default="")
    bio_ko: Mapped[str] = mapped_column(sa.Text, default="")
    bio_en: Mapped[str] = mapped_column(sa.Text, default="")
    # Other spellings people search for (e.g. 카플란 for 캐플런), comma-separated; search only.
    also_known_as: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    photo_url: Mapped[str] = mapped_column(sa.String(500), default="")
    # The person's identity in an imported programme (guid, id or code): re-imports into
    # the same event match on it, never on the name alone.
    source_key: Mapped[str] = mapped_column(sa.String(200), default="")
    # Private: for organizers only, never shown or exported.
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session_roles: Mapped[list[SessionSpeaker]] = relationship(
        back_populates="speaker", cascade="all, delete-orphan"
    )


class SessionSpeaker(db.Model):
    """A speaker's role in a session, ordered as the programme lists them."""

    __tablename__ = "session_speakers"

    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    speaker_id: Mapped[int] = mapped_column(
        sa.ForeignKey("speakers.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(sa.String(20), default=SpeakerRole.SPEAKER)
    position: Mapped[int] = mapped_column(default=0)

    session: Mapped[Session] = relationship(back_populates="speaker_roles")
    speaker: Mapped[Speaker] = relationship(back_populates="session_roles")


class BlockKind(enum.StrEnum):
    BREAK = "break"  # public: lunch, coffee; shown on the schedule
    BLOCKER = "blocker"  # internal: set-up time; organizers only


class ScheduleBlock(db.Model):
    """Time in one room that is not a session: a public break or an internal blocker.
    Sessions overlapping one are flagged by the conflict rules."""

    __tablename__ = "schedule_blocks"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("rooms.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(20), default=BlockKind.BREAK)
    title_ko: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()
    room: Mapped[Room] = relationship()

    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="block_ends_after_start"),
    )

    @property
    def public(self) -> bool:
        return self.kind == BlockKind.BREAK


class ScheduleVersion(db.Model):
    """A published state of an event's schedule, with what changed since the one before."""

    __tablename__ = "schedule_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    number: Mapped[int]
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    # [{"session_id", "change": "new"|"moved"|"new_room"|"cancelled"|"changed", "detail"}]
    changelog: Mapped[list] = mapped_column(sa.JSON, default=list)
    # Compact copy of the sessions' times and rooms, to diff the next version against.
    snapshot: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    __table_args__ = (sa.UniqueConstraint("event_id", "number", name="schedule_version_once"),)


class ProgrammeVersion(db.Model):
    """A number that grows with every change to an event's programme (counted by
    festa.program.programme_version), so rendered schedules can be cached under it. Its own
    row, not a column of `events`: registrations lock the event row for its seat counter,
    and a programme edit holding a session row must not wait for that lock (nor they for
    the edit)."""

    __tablename__ = "programme_versions"

    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(default=1)
