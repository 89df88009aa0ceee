"""Staff accounts and their personal API tokens."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from festa.dbtypes import UTCDateTime, utcnow
from festa.extensions import db


def password_matches(password_hash: str, password: str) -> bool:
    """The one place passwords are checked (scrypt: slow and memory-hard on purpose)."""
    return check_password_hash(password_hash, password)


class Role(enum.StrEnum):
    ADMIN = "admin"
    ORGANIZER = "organizer"
    DOOR = "door"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(20), default=Role.ORGANIZER)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of the login cookie's id: raising it ends every session of this account at once.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")

    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    def get_id(self) -> str:
        """The id Flask-Login keeps in the session cookie: `<id>.<session version>`."""
        return f"{self.id}.{self.session_version}"

    def end_sessions(self) -> None:
        """Invalidate every login cookie of this account (all browsers)."""
        self.session_version = (self.session_version or 1) + 1

    def set_password(self, password: str) -> None:
        # Werkzeug's default is scrypt: slow and memory-hard on purpose.
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return password_matches(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def can_manage_programme(self) -> bool:
        return self.active and self.role in (Role.ADMIN, Role.ORGANIZER)

    def can_manage_staff(self) -> bool:
        return self.active and self.role == Role.ADMIN

    def can_scan(self) -> bool:
        return self.active and self.role in (Role.ADMIN, Role.ORGANIZER, Role.DOOR)

    @property
    def sees_every_event(self) -> bool:
        """Admins act on every event; organizers and door staff only on their teams'."""
        return self.active and self.role == Role.ADMIN

    def is_on_team(self, event_id: int) -> bool:
        """On the team of this event (admins count as on every team)."""
        if self.sees_every_event:
            return True
        return self.active and db.session.get(TeamMember, (event_id, self.id)) is not None

    def can_manage_event(self, event_id: int) -> bool:
        return self.can_manage_programme() and self.is_on_team(event_id)

    def can_scan_event(self, event_id: int) -> bool:
        return self.can_scan() and self.is_on_team(event_id)


class ApiToken(db.Model):
    """A personal bearer token for an organizer's scripts; only its hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(100), default="")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="tokens")


class TeamMember(db.Model):
    """A staff member on an event's team: organizers manage it, door staff scan at it."""

    __tablename__ = "event_team_members"

    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
