"""Tickets: one per confirmed registration, identified by a signed code."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from festa.dbtypes import UTCDateTime, utcnow
from festa.extensions import db


class TicketStatus(enum.StrEnum):
    VALID = "valid"
    REVOKED = "revoked"


class Ticket(db.Model):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), unique=True
    )
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    # The signed code as issued; kept so a lookup by code is one indexed query.
    code: Mapped[str] = mapped_column(sa.String(200), unique=True)
    key_id: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(20), default=TicketStatus.VALID)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str] = mapped_column(sa.String(200), default="")

    registration = relationship("Registration", back_populates="ticket")
    event = relationship("Event")
