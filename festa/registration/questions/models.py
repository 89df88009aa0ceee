"""Questions an event asks at registration, their choices, and the answers given."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from festa.dbtypes import UTCDateTime, utcnow
from festa.extensions import db


class QuestionKind(enum.StrEnum):
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    ONE_CHOICE = "one_choice"
    SEVERAL_CHOICES = "several_choices"
    YES_NO = "yes_no"
    NUMBER = "number"
    COUNTRY = "country"


CHOICE_KINDS = (QuestionKind.ONE_CHOICE, QuestionKind.SEVERAL_CHOICES)


class Question(db.Model):
    """One question of an event's registration form. Shown to everyone, or (session_id set)
    only to those who reserve that session. Retired rather than deleted once answered."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(20), default=QuestionKind.SHORT_TEXT)
    label_ko: Mapped[str] = mapped_column(sa.String(300))
    label_en: Mapped[str] = mapped_column(sa.String(300))
    help_ko: Mapped[str] = mapped_column(sa.String(1000), default="")
    help_en: Mapped[str] = mapped_column(sa.String(1000), default="")
    required: Mapped[bool] = mapped_column(default=False)
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sessions.id", ondelete="SET NULL")
    )
    position: Mapped[int] = mapped_column(default=0)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event = relationship("Event")
    session = relationship("Session")
    choices: Mapped[list[QuestionChoice]] = relationship(
        back_populates="question", order_by="(QuestionChoice.position, QuestionChoice.id)",
        cascade="all, delete-orphan",
    )

    @property
    def has_choices(self) -> bool:
        return self.kind in CHOICE_KINDS

    @property
    def open_choices(self) -> list[QuestionChoice]:
        return [c for c in self.choices if c.retired_at is None]


class QuestionChoice(db.Model):
    """One choice of a choice question. `places` limits how many registrations may pick
    it; `places_taken` is kept by atomic conditional UPDATEs, like seats."""

    __tablename__ = "question_choices"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    label_ko: Mapped[str] = mapped_column(sa.String(200))
    label_en: Mapped[str] = mapped_column(sa.String(200))
    color: Mapped[str] = mapped_column(sa.String(7), default="#3355aa")
    position: Mapped[int] = mapped_column(default=0)
    places: Mapped[int | None]
    places_taken: Mapped[int] = mapped_column(default=0)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    question: Mapped[Question] = relationship(back_populates="choices")

    @property
    def places_left(self) -> int | None:
        return None if self.places is None else max(self.places - self.places_taken, 0)

    __table_args__ = (
        sa.CheckConstraint("places IS NULL OR places_taken <= places",
                           name="choice_not_overtaken"),
        sa.CheckConstraint("places_taken >= 0", name="choice_taken_nonneg"),
    )


class Answer(db.Model):
    """A registration's answer to one question: `value` for text, number ("12.5"), yes/no
    ("yes"/"no") and country (ISO 3166 code); the picked choices for choice questions."""

    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    question: Mapped[Question] = relationship()
    choices: Mapped[list[QuestionChoice]] = relationship(
        secondary="answer_choices", order_by="QuestionChoice.position")

    __table_args__ = (
        sa.UniqueConstraint("registration_id", "question_id", name="answer_once"),
    )


class AnswerChoice(db.Model):
    __tablename__ = "answer_choices"

    answer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("answers.id", ondelete="CASCADE"), primary_key=True
    )
    choice_id: Mapped[int] = mapped_column(
        sa.ForeignKey("question_choices.id", ondelete="CASCADE"), primary_key=True, index=True
    )
