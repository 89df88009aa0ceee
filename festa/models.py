"""Every model, imported in one place so Alembic and the app see the whole schema."""

from festa.audit.models import AuditEntry
from festa.auth.models import ApiToken, Role, TeamMember, User
from festa.badges.models import BadgeLayout
from festa.checkin.models import Admits, Checkpoint, Device, Presence, Scan, ScanResult
from festa.outbox.models import OutboxKind, OutboxMessage, OutboxStatus
from festa.program.models import (
    BlockKind,
    Event,
    Room,
    ScheduleBlock,
    ScheduleVersion,
    Session,
    SessionKind,
    SessionLanguage,
    SessionSpeaker,
    Speaker,
    SpeakerRole,
    Track,
    Venue,
)
from festa.registration.models import Bookmark, Registration, RegistrationStatus, Reservation
from festa.registration.questions.models import (
    Answer,
    AnswerChoice,
    Question,
    QuestionChoice,
    QuestionKind,
)
from festa.tickets.models import Ticket, TicketStatus
from festa.webhooks.models import Webhook

__all__ = [
    "Admits", "Answer", "AnswerChoice", "ApiToken", "AuditEntry", "BadgeLayout", "BlockKind",
    "Bookmark", "Checkpoint", "Device", "Event", "OutboxKind", "OutboxMessage", "OutboxStatus",
    "Presence", "Question", "QuestionChoice", "QuestionKind", "Registration",
    "RegistrationStatus", "Reservation", "Role", "Room", "Scan", "ScanResult",
    "ScheduleBlock", "ScheduleVersion", "Session", "SessionKind", "SessionLanguage",
    "SessionSpeaker", "Speaker", "SpeakerRole", "TeamMember", "Ticket", "TicketStatus", "Track",
    "Venue", "User", "Webhook",
]
