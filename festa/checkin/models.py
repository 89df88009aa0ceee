"""Checkpoints at the doors, the devices that scan there, scans and who is inside."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from festa.dbtypes import UTCDateTime, utcnow
from festa.extensions import db


class Admits(enum.StrEnum):
    ANY_TICKET = "event"  # any valid ticket of the event
    RESERVATION = "reservation"  # only tickets with a confirmed reservation for the session


class ScanResult(enum.StrEnum):
    OK = "ok"
    ALREADY_CHECKED_IN = "already_checked_in"
    INVALID = "invalid"
    REVOKED = "revoked"
    WRONG_EVENT = "wrong_event"
    NOT_ALLOWED = "not_allowed"
    ROOM_FULL = "room_full"


class Checkpoint(db.Model):
    __tablename__ = "checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sessions.id", ondelete="CASCADE")
    )
    room_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rooms.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(sa.String(200))
    is_entrance: Mapped[bool] = mapped_column(default=False)
    admits: Mapped[str] = mapped_column(sa.String(20), default=Admits.ANY_TICKET)
    counts_exits: Mapped[bool] = mapped_column(default=False)
    capacity: Mapped[int | None]
    # People inside now, kept by atomic conditional UPDATEs (room_full without a race).
    inside_count: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    # The desk's flow: the scanner opens the attendee's badge for printing on first entry.
    print_badges: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event = relationship("Event")
    session = relationship("Session")
    room = relationship("Room")

    __table_args__ = (
        sa.CheckConstraint(
            "capacity IS NULL OR inside_count <= capacity", name="checkpoint_not_overfull"
        ),
        sa.CheckConstraint("inside_count >= 0", name="checkpoint_inside_nonneg"),
    )


class Device(db.Model):
    """A paired scanner (phone or hand-held) bound to one checkpoint; it can only scan."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    checkpoint_id: Mapped[int] = mapped_column(
        sa.ForeignKey("checkpoints.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(100), default="")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    checkpoint: Mapped[Checkpoint] = relationship()

    @property
    def event_id(self) -> int:
        """The event the device scans at (team checks and audit entries read it)."""
        return self.checkpoint.event_id


class Presence(db.Model):
    """Whether a ticket holder is inside a checkpoint's area; one row per ticket and checkpoint.

    The primary key makes a second concurrent first check-in fail in the database.
    """

    __tablename__ = "presences"

    ticket_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    # Deferrable: festa_scan() checks it after the door's counter is updated (PostgreSQL),
    # so a scan never key-share locks the door row that other scans are updating.
    checkpoint_id: Mapped[int] = mapped_column(
        sa.ForeignKey("checkpoints.id", ondelete="CASCADE", deferrable=True,
                      initially="IMMEDIATE"), primary_key=True, index=True
    )
    inside: Mapped[bool] = mapped_column(default=True)
    first_entry_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_change_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_scan_id: Mapped[int | None]


class Scan(db.Model):
    """Every scan, failed ones too, online or synced from an offline scanner."""

    __tablename__ = "scans"

    id: Mapped[int] = mapped_column(primary_key=True)
    checkpoint_id: Mapped[int] = mapped_column(
        sa.ForeignKey("checkpoints.id", ondelete="CASCADE"), index=True
    )
    ticket_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )
    device_id: Mapped[int | None] = mapped_column(sa.ForeignKey("devices.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    code: Mapped[str] = mapped_column(sa.String(300), default="")
    direction: Mapped[str] = mapped_column(sa.String(10), default="entry")  # entry, exit, undo
    result: Mapped[str] = mapped_column(sa.String(30))
    mode: Mapped[str] = mapped_column(sa.String(10), default="online")
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    client_scan_id: Mapped[str | None] = mapped_column(sa.String(100))
    # The answer given, returned again verbatim when the same client_scan_id comes back.
    response: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    undone_by_scan_id: Mapped[int | None]

    __table_args__ = (
        sa.UniqueConstraint("checkpoint_id", "client_scan_id", name="scan_client_id_once"),
    )
