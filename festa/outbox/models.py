"""The outbox: mail and webhook calls written in the same transaction as the change."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from festa.dbtypes import UTCDateTime, utcnow
from festa.extensions import db


class OutboxKind(enum.StrEnum):
    MAIL = "mail"
    WEBHOOK = "webhook"


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the last retry; organizers see it


class OutboxMessage(db.Model):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10), default=OutboxKind.MAIL)
    # What the message is about (confirmation, waitlisted, promoted, cancelled, manage_link,
    # or a webhook's event type), for the organizers' view.
    topic: Mapped[str] = mapped_column(sa.String(50))
    recipient: Mapped[str] = mapped_column(sa.String(500))  # e-mail address or webhook URL
    subject: Mapped[str] = mapped_column(sa.String(300), default="")
    # A whole MIME message (mail) or the JSON body (webhook). NULL until the worker renders
    # it after the commit (from the ids below and `params`); then kept, so every retry
    # sends the same bytes.
    payload: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    # What the renderer needs beyond the ids (e.g. {"session_id": 3}).
    params: Mapped[dict | None] = mapped_column(sa.JSON)
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("events.id", ondelete="SET NULL"))
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="SET NULL")
    )
    webhook_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("webhooks.id", ondelete="CASCADE")
    )
    status: Mapped[str] = mapped_column(sa.String(10), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A worker claims a message until this moment, so two workers never send it both.
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    last_status_code: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (sa.Index("outbox_due", "status", "next_attempt_at"),)
