"""Registration rules: register, cancel, anonymise; reserve and drop sessions
(festa.registration.reservations, re-exported here).

Each public operation is one transaction which it commits itself, followed by the
waitlist fills of festa.registration.promotion (see festa.registration.seat_counters
why seats never oversell).
`by` is the organizer acting for the attendee (audited); None means the attendee.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from typing import NamedTuple

import sqlalchemy as sa
from email_validator import EmailNotValidError
from flask_babel import gettext as _
from sqlalchemy.orm import make_transient_to_detached

from festa.audit.services import record
from festa.auth.models import User
from festa.core.transactions import autocommitting, commit_keeping_state
from festa.dbtypes import utcnow
from festa.errors import FestaError
from festa.extensions import db
from festa.observability import metrics
from festa.outbox.models import OutboxKind, OutboxMessage
from festa.program.models import Event, Session
from festa.program.queries import event_bounds, registration_open
from festa.registration import promotion, seat_counters
from festa.registration.mail import queue_registration_mail
from festa.registration.models import Bookmark, Registration, RegistrationStatus, Reservation
from festa.registration.questions.answers import (
    change_places,
    delete_answers,
    limited_choice_ids,
    new_answers,
    release_places,
    replace_answers,
)
from festa.registration.questions.rules import (
    applies,
    check_answers,
    event_questions,
    fields_message,
)
from festa.registration.recording import CONSENT_VERSION, NewRegistration, record_registration
from festa.registration.reservations import drop, drop_reservation, reserve_session
from festa.registration.rules import (
    already_registered,
    audit,
    normal_email,
    not_active,
    reservable_sessions,
    validated,
)
from festa.registration.tokens import manage_token, manage_url, registration_for_manage_token
from festa.registration.waitlist import waitlist_position
from festa.signals import (
    listening,
    registration_cancelled,
    registration_created,
    registration_erased,
    send,
)
from festa.tickets.models import Ticket, TicketStatus
from festa.tickets.services import revoke_ticket

__all__ = [
    "anonymize", "cancel_registration", "change_answers", "drop_reservation", "manage_token",
    "manage_url", "register", "register_placed", "registration_for_manage_token",
    "reservable_sessions", "reserve_session", "resend_ticket", "revoke_registration_ticket",
    "send_all_manage_links", "send_manage_link", "waitlist_position",
]

CONFIRMED = RegistrationStatus.CONFIRMED
WAITLISTED = RegistrationStatus.WAITLISTED
CANCELLED = RegistrationStatus.CANCELLED
SOURCES = ("online", "api", "walk-in")


class Registered(NamedTuple):
    """A new registration, as committed, its place on the event's waitlist and its places
    in sessions' lines ({session id: place}), read when it was recorded."""

    registration: Registration
    position: int | None = None
    session_positions: dict[int, int] = {}


def register(event: Event, *args, **kwargs) -> Registration:
    """`register_placed` without the places (same arguments)."""
    return register_placed(event, *args, **kwargs).registration


def register_placed(event: Event, name: str, email: str, organization: str = "",
                    locale: str = "ko", session_ids: Iterable[int] = (), consent: bool = True,
                    source: str = "online", *, answers: Mapping | None = None,
                    by: User | None = None, questions: list | None = None,
                    ticket_id: int | None = None) -> Registered:
    """Register someone for an event (and the reservable sessions they chose). Commits.

    Confirmed with a ticket while the event has seats, else waitlisted. Raises FestaError
    `registration_closed` (409; organizers registering walk-ins are exempt),
    `already_registered` (409) or `validation_error` (422 with `fields`; answers under
    `answers.<question id>`, also when a limited choice has no places left). `questions`:
    the event's questions when the caller read them already (`event_questions`);
    `ticket_id`: an id taken ahead for the ticket (rules.event_to_register_for).

    Seats, registration, reservations, ticket and mail are decided and written by one
    statement (festa.registration.recording); answers, webhooks and the audit entry join
    its transaction when there are any, else it commits alone. The registration returned
    holds the state it was committed with (nothing is read again for the answer).
    """
    if by is None and not registration_open(event):
        raise FestaError("registration_closed", _("Registration for this event is closed."),
                         status=409)
    if source not in SOURCES:
        raise ValueError(f"unknown registration source {source!r}")
    values, sessions, cleaned, questions = validated(event, name, email, organization, locale,
                                                     session_ids, consent, answers, questions)
    new = NewRegistration(event_id=event.id, source=source,
                          agenda_token=secrets.token_urlsafe(24), now=utcnow(),
                          session_ids=tuple(s.id for s in sessions), ticket_id=ticket_id,
                          **values)
    alone = (not cleaned and by is None
             and not listening(registration_created, event_id=event.id))
    if autocommitting() != alone and db.session().in_transaction():
        # the reads' transaction ends: the statement runs alone, or (ending autocommit)
        # what joins it shares a real transaction
        commit_keeping_state()
    try:
        recorded = record_registration(new, alone=alone)
    except sa.exc.IntegrityError as error:
        db.session.rollback()
        raise already_registered() from error
    registration = _as_committed(new, recorded, sessions)
    if not alone:
        _join_transaction(registration, cleaned, questions, by)
    if not recorded.committed:
        commit_keeping_state()
    metrics.count_registration(recorded.status)
    return Registered(registration, recorded.position,
                      {s.session_id: s.position for s in recorded.sessions
                       if s.position is not None})


def _join_transaction(registration: Registration, cleaned: dict, questions: list,
                      by: User | None) -> None:
    """What joins the registration's transaction: the answers (limited choices' places
    after the seats: the lock order of festa.registration.questions.answers), the rows of
    the registration_created listeners (webhooks), the organizer's audit entry."""
    answers = new_answers(cleaned, questions)
    for answer in answers:
        answer.registration_id = registration.id
    db.session.add_all(answers)
    try:
        change_places(limited_choice_ids(answers), ())
    except FestaError:
        db.session.rollback()
        raise
    send(registration_created, registration)
    if by is not None:
        record("registration.create", registration, user_id=by.id,
               details={"source": registration.source, "status": registration.status})


def _as_committed(new: NewRegistration, recorded, sessions: list[Session]) -> Registration:
    """The rows just written, as objects of this session (as if loaded: no SQL)."""
    by_id = {s.id: s for s in sessions}
    now = new.now
    reservations = [Reservation(id=seat.reservation_id, registration_id=recorded.id,
                                session_id=seat.session_id, session=by_id[seat.session_id],
                                status=seat.status, waitlisted_at=seat.waitlisted_at,
                                created_at=now, updated_at=now)
                    for seat in recorded.sessions]
    ticket = None
    if recorded.ticket is not None:
        ticket_id, code, key_id = recorded.ticket
        ticket = Ticket(id=ticket_id, registration_id=recorded.id, event_id=new.event_id,
                        code=code, key_id=key_id, status=TicketStatus.VALID, issued_at=now,
                        revoked_at=None, revoked_reason="")
    registration = Registration(
        id=recorded.id, event_id=new.event_id, name=new.name, email=new.email,
        organization=new.organization, locale=new.locale, status=recorded.status,
        waitlisted_at=recorded.waitlisted_at, source=new.source, consent_at=now,
        consent_version=CONSENT_VERSION, secret_version=0, agenda_token=new.agenda_token,
        created_at=now, updated_at=now, cancelled_at=None, anonymized_at=None,
        reservations=reservations, ticket=ticket)
    for obj in (*reservations, *([ticket] if ticket else ()), registration):
        make_transient_to_detached(obj)
    db.session.add(registration)
    return registration


def _cancel(registration: Registration, reason: str) -> set[int] | None:
    """Cancel inside the current transaction; the session ids to settle after commit, or
    None when it was cancelled already. Locks: the event, then each session ascending."""
    seat_counters.lock_counter(Event, registration.event_id)
    db.session.refresh(registration)
    if registration.status == CANCELLED:
        return None
    was_confirmed = registration.status == CONFIRMED
    registration.status, registration.cancelled_at = CANCELLED, utcnow()
    to_settle: set[int] = set()
    if was_confirmed:
        db.session.flush()
        seat_counters.release_seat(Event, registration.event_id)
        for promoted in promotion.fill_event(registration.event_id):
            to_settle |= {r.session_id for r in promoted.reservations if r.status == WAITLISTED}
        if registration.ticket is not None:
            revoke_ticket(registration.ticket, reason)
    reservations = db.session.scalars(
        sa.select(Reservation)
        .where(Reservation.registration_id == registration.id, Reservation.status != CANCELLED)
        .order_by(Reservation.session_id)
        .execution_options(populate_existing=True)
    ).all()
    for reservation in reservations:
        if was_confirmed:
            seat_counters.lock_counter(Session, reservation.session_id)
            db.session.refresh(reservation)
        to_settle.add(reservation.session_id)
        if reservation.status != CANCELLED:
            drop(reservation)
    release_places(registration.id)  # choices last: the lock order of questions.answers
    return to_settle


def event_over(event: Event) -> bool:
    """Past the event's last instant (in its own time zone)."""
    return utcnow() > event_bounds(event)[1]


def cancel_registration(registration: Registration, by: User | None = None) -> Registration:
    """Cancel: the ticket is revoked, reservations released, and freed seats go to the first
    on each waitlist at once (they get a ticket and a mail). Idempotent. Commits.

    Once the event is over only organizers can cancel (FestaError `event_over`, 409)."""
    if by is None and registration.status != CANCELLED and event_over(registration.event):
        raise FestaError("event_over", _("This event is over."), status=409)
    reason = "cancelled by organizer" if by is not None else "cancelled by attendee"
    to_settle = _cancel(registration, reason)
    if to_settle is None:
        db.session.rollback()
        return registration
    queue_registration_mail(registration, "cancelled")
    send(registration_cancelled, registration)
    audit(by, "registration.cancel", registration)
    db.session.commit()
    promotion.settle(registration.event_id, to_settle)
    return registration


def anonymize(registration: Registration, by: User | None = None) -> None:
    """Delete the personal data: cancel first unless the event is over (so the seats go to
    others and the counters stay right), then blank the person. Old manage links and the
    agenda feed stop working. Commits."""
    to_settle = None
    if not event_over(registration.event):
        to_settle = _cancel(registration, "personal data deleted")
    erase(registration)
    if to_settle is not None:  # after erasing: the webhook says who, not the person
        send(registration_cancelled, registration)
    # Recorded whoever asked (the attendee too), with no personal data: only the id.
    record("registration.anonymize", registration, user_id=by.id if by else None)
    db.session.commit()
    if to_settle is not None:
        promotion.settle(registration.event_id, to_settle)


def erase(registration: Registration) -> None:
    """Blank the person everywhere, in this transaction: the registration, its answers and
    bookmarks, the mail about it, and (told by the registration_erased signal) the areas
    above that keep copies: scan answers, webhook payloads. Old manage links and the agenda
    feed stop working. An event that is over keeps its counts; the caller commits."""
    registration.name = "—"
    registration.email = f"deleted-{registration.id}@invalid"
    registration.organization = ""
    registration.agenda_token = secrets.token_urlsafe(24)
    registration.secret_version += 1
    registration.anonymized_at = utcnow()
    if event_over(registration.event) and registration.status != CANCELLED:
        release_places(registration.id)  # over, never cancelled: its places still count
    delete_answers(registration.id)
    db.session.execute(sa.delete(Bookmark).where(Bookmark.registration_id == registration.id))
    # Mail copies in the outbox hold the name and address too.
    db.session.execute(sa.delete(OutboxMessage).where(
        OutboxMessage.registration_id == registration.id, OutboxMessage.kind == OutboxKind.MAIL))
    send(registration_erased, registration)


def send_manage_link(event: Event, email: str) -> bool:
    """Mail the manage link to this address if it is registered for the event. Commits.
    Returns whether a mail was queued (pages must not tell the visitor)."""
    try:
        address = normal_email(email)
    except EmailNotValidError:
        return False
    registration = db.session.scalar(sa.select(Registration).where(
        Registration.event_id == event.id, Registration.email == address))
    if registration is None or registration.anonymized_at is not None:
        return False
    queue_registration_mail(registration, "manage_link")
    db.session.commit()
    return True


def send_all_manage_links(email: str) -> int:
    """Mail the manage link of every registration of this address for an event not over
    yet (one mail each). Commits. Returns how many were queued (pages must not tell)."""
    try:
        address = normal_email(email)
    except EmailNotValidError:
        return 0
    registrations = [r for r in db.session.scalars(sa.select(Registration).where(
        Registration.email == address, Registration.anonymized_at.is_(None)))
        if not event_over(r.event)]
    for registration in registrations:
        queue_registration_mail(registration, "manage_link")
    db.session.commit()
    return len(registrations)


def _no_ticket() -> FestaError:
    return FestaError("no_valid_ticket", _("This registration has no valid ticket."),
                      status=409)


def revoke_registration_ticket(registration: Registration, by: User, reason: str = "") -> None:
    """An organizer stops the ticket (the seat stays taken; cancel to free it). The attendee
    is told by mail. Audited; commits."""
    ticket = registration.ticket
    if ticket is None or ticket.status != TicketStatus.VALID:
        raise _no_ticket()
    revoke_ticket(ticket, reason.strip() or "revoked by organizer")
    queue_registration_mail(registration, "ticket_revoked")
    audit(by, "ticket.revoke", registration, ticket_id=ticket.id, reason=reason.strip())
    db.session.commit()


def resend_ticket(registration: Registration, by: User) -> None:
    """Send the confirmation mail with the ticket again. Audited; commits."""
    ticket = registration.ticket
    if (registration.status != CONFIRMED or ticket is None
            or ticket.status != TicketStatus.VALID):
        raise _no_ticket()
    queue_registration_mail(registration, "confirmation")
    audit(by, "registration.resend_ticket", registration, ticket_id=ticket.id)
    db.session.commit()


def change_answers(registration: Registration, answers: Mapping, *,
                   by: User | None = None) -> bool:
    """Change the answers to the questions that apply to this registration (its reserved
    sessions decide the session questions). Until registration closes (organizers: any
    time); not once cancelled. Places of limited choices follow the change. Audited for
    organizers; commits. True if anything changed.

    Locks the event's row first, so a cancellation cannot release the old places while the
    new ones are taken."""
    if by is None and not registration_open(registration.event):
        raise FestaError("registration_closed", _("Answers can no longer be changed: "
                                                  "registration for this event is closed."),
                         status=409)
    seat_counters.lock_counter(Event, registration.event_id)
    db.session.refresh(registration)
    if registration.status == CANCELLED or registration.anonymized_at is not None:
        raise not_active()
    reserved = [r.session_id for r in registration.reservations if r.status != CANCELLED]
    questions = [q for q in event_questions(registration.event_id) if applies(q, reserved)]
    cleaned, fields = check_answers(questions, answers, reserved)
    if fields:
        raise FestaError("validation_error", fields_message(questions, fields), status=422,
                         fields=fields)
    changed = replace_answers(registration.id, list(registration.answers), cleaned, questions,
                              holds_places=True)
    if changed:
        audit(by, "registration.answers", registration)
    db.session.commit()
    return changed
