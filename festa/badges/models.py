"""An event's badge layout."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from festa.extensions import db


class BadgeSize(enum.StrEnum):
    A6 = "a6"  # 105 × 148 mm, up to 4 on an A4 sheet
    CARD = "card"  # 90 × 55 mm, up to 8 (2 × 4 grid) on an A4 sheet


class BadgeLayout(db.Model):
    """How an event's badges look: card size, how many per printed page (1 = one badge per
    page, for badge printers), and which question's answer is the coloured band."""

    __tablename__ = "badge_layouts"

    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    size: Mapped[str] = mapped_column(sa.String(10), default=BadgeSize.CARD)
    per_sheet: Mapped[int] = mapped_column(default=1)
    band_question_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("questions.id", ondelete="SET NULL")
    )

    band_question = relationship("Question")

    __table_args__ = (
        sa.CheckConstraint("per_sheet BETWEEN 1 AND 8", name="badge_per_sheet_range"),
    )
