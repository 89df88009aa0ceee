"""Checks and small helpers shared by the registration services."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from typing import NamedTuple

import sqlalchemy as sa
from email_validator import EmailNotValidError
from flask import abort, current_app
from flask_babel import gettext as _

from festa.audit.services import record
from festa.auth.models import User
from festa.core import inputs
from festa.errors import FestaError
from festa.extensions import db
from festa.i18n import format_time, localized
from festa.program.conflicts import overlaps
from festa.program.models import Event, Session
from festa.program.queries import published_event
from festa.registration import seat_counters
from festa.registration.models import Registration
from festa.registration.questions.models import Question
from festa.registration.questions.rules import (
    Cleaned,
    check_answers,
    event_questions,
    fields_message,
)
from festa.tickets.services import ticket_id_ahead
from festa.web.forms import input_message

LOCALES = ("ko", "en")


def registration_rate_limit() -> str:
    """Registrations per client address (page and API): REGISTRATION_RATE_LIMIT setting."""
    return current_app.config.get("REGISTRATION_RATE_LIMIT", "10 per minute")


def reservable_sessions(event: Event) -> list[Session]:
    """The event's sessions that need a reservation (not cancelled), in time order."""
    return list(db.session.scalars(
        sa.select(Session)
        .where(Session.event_id == event.id, Session.reservation_required.is_(True),
               Session.cancelled.is_(False), Session.scheduled)
        .order_by(Session.starts_at, Session.id)
    ))


class EventToRegister(NamedTuple):
    event: Event
    questions: list[Question]  # as event_questions gives them
    ticket_id: int | None  # taken ahead for the ticket if the event looks to have a seat


def event_to_register_for(slug: str) -> EventToRegister:
    """What registering over the API reads first, in one statement for an event that asks
    no questions: the published event with this slug (404 otherwise), whether it asks
    questions, and (PostgreSQL) a ticket id when a seat looks free (festa.registration.
    recording asks for one when the seat turns out free after all)."""
    statement = _event_to_register(db.session.get_bind().dialect.name)
    row = db.session.execute(statement, {"slug": slug}).first()
    if row is None:
        abort(404)
    event, asks, ticket_id = row
    return EventToRegister(event, event_questions(event.id) if asks else [], ticket_id)


@cache
def _event_to_register(dialect: str) -> sa.Select:
    """event_to_register_for's statement, built once per database kind (at first use: the
    mappers are configured then)."""
    asks = sa.exists().where(Question.event_id == Event.id, Question.retired_at.is_(None))
    return published_event(sa.bindparam("slug")).add_columns(
        asks, ticket_id_ahead(seat_counters.has_free_seat(Event)))


def normal_email(email: str) -> str:
    """Checked (internationalised addresses too), NFC and lower-cased; raises
    EmailNotValidError."""
    try:
        return inputs.clean_email(email)
    except inputs.InputError as error:
        raise EmailNotValidError(error.message) from error


def _clean(fields: dict[str, list[str]], field: str, value: str, max_length: int,
           required: bool = False) -> str:
    """One text input after the shared rules; a broken rule is added to `fields`."""
    try:
        return inputs.clean_text(value, max_length=max_length, required=required)
    except inputs.InputError as error:
        message = (_("Please enter your name.") if field == "name" and error.code == "required"
                   else input_message(error.code, max_length))
        fields[field] = [message]
        return ""


def validated(event: Event, name: str, email: str, organization: str, locale: str,
              session_ids: Iterable[int], consent: bool, answers: Mapping | None = None,
              questions: list | None = None
              ) -> tuple[dict, list[Session], dict[int, Cleaned], list]:
    """Clean the inputs or raise one 422 naming every field at fault (answers under
    `answers.<question id>`). Returns the values, the sessions, the cleaned answers and
    the event's questions (`event_questions`, unless the caller read them already)."""
    fields: dict[str, list[str]] = {}
    name = _clean(fields, "name", name, 100, required=True)
    organization = _clean(fields, "organization", organization, 200)
    try:
        email = normal_email(email)
    except EmailNotValidError:
        fields["email"] = [_("Please enter a valid e-mail address.")]
    if locale not in LOCALES:
        fields["locale"] = [_("Choose Korean or English.")]
    if consent is not True:
        fields["consent"] = [_("Registration needs your consent to the privacy notice.")]
    try:
        wanted = sorted({int(i) for i in session_ids or ()})
    except (TypeError, ValueError):
        wanted = [-1]
    offered = {s.id: s for s in reservable_sessions(event)} if wanted else {}
    if any(i not in offered for i in wanted):
        fields["sessions"] = [_("Only this event's sessions that take reservations can be "
                                "chosen.")]
    else:
        chosen = [offered[i] for i in wanted]
        clash = next(((a, b) for n, a in enumerate(chosen) for b in chosen[n + 1:]
                      if overlaps(a, b)), None)
        if clash is not None:
            fields["sessions"] = [overlap_message(*clash)]
    if questions is None:
        questions = event_questions(event.id)
    cleaned, answer_fields = check_answers(questions, answers, wanted)
    fields |= answer_fields
    if fields:
        message = (fields_message(questions, answer_fields) if answer_fields
                   else _("Some fields are not valid."))
        raise FestaError("validation_error", message, status=422, fields=fields)
    values = {"name": name, "email": email, "organization": organization, "locale": locale}
    return values, [offered[i] for i in wanted], cleaned, questions


def first_overlap(session: Session, others: Iterable[Session]) -> Session | None:
    """The first of `others` (not `session` itself) whose time overlaps `session`'s."""
    return next((other for other in others
                 if other.id != session.id and overlaps(session, other)), None)


def overlap_message(session: Session, other: Session) -> str:
    """Why `session` cannot be reserved next to `other`: one seat per person at a time."""
    zone = session.event.timezone
    return _("You already have a session reserved at this time: “%(title)s” "
             "(%(start)s–%(end)s).", title=localized(other, "title"),
             start=format_time(other.starts_at, tz=zone), end=format_time(other.ends_at, tz=zone))


def overlap_error(session: Session, other: Session) -> FestaError:
    """422 naming `sessions`: the attendee holds `other` at the same time as `session`."""
    return FestaError("validation_error", _("Some fields are not valid."), status=422,
                      fields={"sessions": [overlap_message(session, other)]})


def already_registered() -> FestaError:
    return FestaError("already_registered",
                      _("This e-mail address is already registered for this event."),
                      status=409)


def not_active() -> FestaError:
    return FestaError("registration_cancelled", _("This registration has been cancelled."),
                      status=409)


def audit(by: User | None, action: str, registration: Registration, **details) -> None:
    if by is not None:
        record(action, registration, user_id=by.id, details=details)
