"""Registrations for an event, session reservations and bookmarks."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from festa.dbtypes import UTCDateTime, utcnow
from festa.extensions import db


class RegistrationStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class Registration(db.Model):
    __tablename__ = "registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(100))
    # Stored lower-cased; (event, email) is unique so one person registers once.
    email: Mapped[str] = mapped_column(sa.String(254))
    organization: Mapped[str] = mapped_column(sa.String(200), default="")
    locale: Mapped[str] = mapped_column(sa.String(5), default="ko")
    status: Mapped[str] = mapped_column(sa.String(20), default=RegistrationStatus.CONFIRMED)
    # Waitlist order: earliest first, ties broken by id.
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(sa.String(20), default="online")
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    consent_version: Mapped[str] = mapped_column(sa.String(20), default="2025-01")
    # Changing this invalidates every manage link and agenda feed issued before.
    secret_version: Mapped[int] = mapped_column(default=0)
    agenda_token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    anonymized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event = relationship("Event")
    reservations: Mapped[list[Reservation]] = relationship(
        back_populates="registration", cascade="all, delete-orphan"
    )
    ticket = relationship("Ticket", back_populates="registration", uselist=False)
    answers = relationship("Answer", cascade="all, delete-orphan", passive_deletes=True)

    __table_args__ = (
        sa.UniqueConstraint("event_id", "email", name="registration_one_per_email"),
        sa.Index("registration_waitlist", "event_id", "status", "waitlisted_at"),
    )

    # What tickets (a lower area, reaching a registration through Ticket.registration) may
    # ask of it without importing this module.
    @property
    def is_cancelled(self) -> bool:
        return self.status == RegistrationStatus.CANCELLED

    def confirmed_sessions(self) -> list:
        """The sessions this registration holds a confirmed seat in, in time order."""
        sessions = [r.session for r in self.reservations
                    if r.status == RegistrationStatus.CONFIRMED and not r.session.cancelled]
        return sorted(sessions, key=lambda s: (s.starts_at, s.id))


class Reservation(db.Model):
    """A seat (or a waitlist place) in a session that needs a reservation."""

    __tablename__ = "reservations"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE")
    )
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("sessions.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(sa.String(20), default=RegistrationStatus.CONFIRMED)
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    registration: Mapped[Registration] = relationship(back_populates="reservations")
    session = relationship("Session")

    __table_args__ = (
        sa.UniqueConstraint("registration_id", "session_id", name="reservation_once"),
        sa.Index("reservation_waitlist", "session_id", "status", "waitlisted_at"),
    )


class Bookmark(db.Model):
    """A session an attendee marked for their personal agenda feed."""

    __tablename__ = "bookmarks"

    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True
    )
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
