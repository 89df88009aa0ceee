"""Registration rules: register, reserve and drop sessions, cancel, anonymise.

Each public operation is one transaction which it commits itself, followed by the
waitlist fills of festa.registration.seats (see there why seats never oversell).
`by` is the organizer acting for the attendee (audited); None means the attendee.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from festa.audit.services import record
from festa.auth.models import User
from festa.auth.services import normalize_email
from festa.dbtypes import utcnow
from festa.errors import FestaError
from festa.extensions import db
from festa.outbox.mail import queue_registration_mail
from festa.program.models import Event, Session
from festa.program.queries import registration_open
from festa.registration import seats
from festa.registration.models import Registration, RegistrationStatus, Reservation
from festa.registration.tokens import manage_token, manage_url, registration_for_manage_token
from festa.tickets.services import issue_ticket, revoke_ticket

__all__ = [
    "anonymize", "cancel_registration", "drop_reservation", "manage_token", "manage_url",
    "promote", "promote_reservation", "register", "registration_for_manage_token",
    "reserve_session", "send_manage_link", "waitlist_position",
]

CONFIRMED = RegistrationStatus.CONFIRMED
WAITLISTED = RegistrationStatus.WAITLISTED
CANCELLED = RegistrationStatus.CANCELLED
LOCALES = ("ko", "en")
SOURCES = ("online", "api", "walk-in")


def waitlist_position(registration: Registration, session: Session | None = None) -> int | None:
    """1-based place on the event's waitlist (or a session's); None when not waiting."""
    if session is None:
        return seats.event_position(registration)
    reservation = _reservation(registration, session.id)
    return seats.session_position(reservation) if reservation else None


def reservable_sessions(event: Event) -> list[Session]:
    """The event's sessions that need a reservation (not cancelled), in time order."""
    return list(db.session.scalars(
        sa.select(Session)
        .where(Session.event_id == event.id, Session.reservation_required.is_(True),
               Session.cancelled.is_(False))
        .order_by(Session.starts_at, Session.id)
    ))


def _normal_email(email: str) -> str:
    """Checked and lower-cased; raises EmailNotValidError."""
    checked = validate_email((email or "").strip(), check_deliverability=False)
    return normalize_email(checked.normalized)


def _validated(event: Event, name: str, email: str, organization: str, locale: str,
               session_ids: Iterable[int], consent: bool) -> tuple[dict, list[Session]]:
    """Clean the inputs or raise one 422 naming every field at fault."""
    fields: dict[str, list[str]] = {}
    name, organization = (name or "").strip(), (organization or "").strip()
    if not name:
        fields["name"] = [_("Please enter your name.")]
    elif len(name) > 100:
        fields["name"] = [_("Please use at most %(n)s characters.", n=100)]
    try:
        email = _normal_email(email)
    except EmailNotValidError:
        fields["email"] = [_("Please enter a valid e-mail address.")]
    if len(organization) > 200:
        fields["organization"] = [_("Please use at most %(n)s characters.", n=200)]
    if locale not in LOCALES:
        fields["locale"] = [_("Choose Korean or English.")]
    if consent is not True:
        fields["consent"] = [_("Registration needs your consent to the privacy notice.")]
    try:
        wanted = sorted({int(i) for i in session_ids or ()})
    except (TypeError, ValueError):
        wanted = [-1]
    offered = {s.id: s for s in reservable_sessions(event)}
    if any(i not in offered for i in wanted):
        fields["sessions"] = [_("Only this event's sessions that take reservations can be "
                                "chosen.")]
    if fields:
        raise FestaError("validation_error", _("Some fields are not valid."), status=422,
                         fields=fields)
    values = {"name": name, "email": email, "organization": organization, "locale": locale}
    return values, [offered[i] for i in wanted]


def _already_registered() -> FestaError:
    return FestaError("already_registered",
                      _("This e-mail address is already registered for this event."),
                      status=409)


def _notify(registration: Registration, topic: str) -> None:
    """Queue the registration.* webhook in this transaction, if webhooks are installed."""
    try:
        from festa.outbox import webhooks
    except ImportError:  # pragma: no cover - the open-data area provides it
        return
    webhooks.queue_event(registration.event_id, topic, webhooks.registration_payload(registration))


def register(event: Event, name: str, email: str, organization: str = "", locale: str = "ko",
             session_ids: Iterable[int] = (), consent: bool = True, source: str = "online",
             *, by: User | None = None) -> Registration:
    """Register someone for an event (and the reservable sessions they chose). Commits.

    Confirmed with a ticket while the event has seats, else waitlisted. Raises FestaError
    `registration_closed` (409; organizers registering walk-ins are exempt),
    `already_registered` (409) or `validation_error` (422 with `fields`).
    """
    if by is None and not registration_open(event):
        raise FestaError("registration_closed", _("Registration for this event is closed."),
                         status=409)
    if source not in SOURCES:
        raise ValueError(f"unknown registration source {source!r}")
    values, sessions = _validated(event, name, email, organization, locale, session_ids, consent)
    if db.session.scalar(sa.select(Registration.id).where(
            Registration.event_id == event.id, Registration.email == values["email"])):
        raise _already_registered()
    registration = Registration(event_id=event.id, status=WAITLISTED, source=source,
                                consent_at=utcnow(), agenda_token=secrets.token_urlsafe(24),
                                **values)
    db.session.add(registration)
    try:
        db.session.flush()  # the unique (event, email) constraint is the final guard
    except sa.exc.IntegrityError as error:
        db.session.rollback()
        raise _already_registered() from error
    _seat_new_registration(registration, sessions)
    _notify(registration, "registration.created")
    if by is not None:
        record("registration.create", registration, user_id=by.id,
               details={"source": source, "status": registration.status})
    db.session.commit()
    waiting = [r.session_id for r in registration.reservations if r.status == WAITLISTED]
    seats.settle(event.id if registration.status == WAITLISTED else None, waiting)
    return registration


def _seat_new_registration(registration: Registration, sessions: list[Session]) -> None:
    """Take the event seat (or join the waitlist), then each session's, in id order."""
    now = utcnow()
    if seats.take_seat(Event, registration.event_id):
        registration.status = CONFIRMED
        issue_ticket(registration)
    else:
        registration.waitlisted_at = now
    for session in sessions:  # ascending id: the lock order of seats.py
        status, waitlisted_at = WAITLISTED, None  # without an event seat: wait for one
        if registration.status == CONFIRMED:
            if seats.take_seat(Session, session.id):
                status = CONFIRMED
            else:
                waitlisted_at = now
        db.session.add(Reservation(registration=registration, session=session, status=status,
                                   waitlisted_at=waitlisted_at))
    db.session.flush()
    topic = "confirmation" if registration.status == CONFIRMED else "waitlisted"
    queue_registration_mail(registration, topic)


def promote(registration: Registration) -> None:
    """Off the event's waitlist: confirmed, with a ticket and a mail. Called by seats.py
    with the event's row locked; the caller commits."""
    registration.status = CONFIRMED
    issue_ticket(registration)
    queue_registration_mail(registration, "promoted")


def promote_reservation(reservation: Reservation) -> None:
    """Off a session's waitlist (the session's row is locked); the caller commits."""
    reservation.status = CONFIRMED
    reservation.waitlisted_at = None
    queue_registration_mail(reservation.registration, "session_promoted",
                            session=reservation.session)


def _reservation(registration: Registration, session_id: int) -> Reservation | None:
    """The reservation as the database has it now (not a stale loaded copy)."""
    return db.session.scalar(
        sa.select(Reservation)
        .where(Reservation.registration_id == registration.id,
               Reservation.session_id == session_id)
        .execution_options(populate_existing=True)
    )


def _not_active() -> FestaError:
    return FestaError("registration_cancelled", _("This registration has been cancelled."),
                      status=409)


def reserve_session(registration: Registration, session: Session, *,
                    by: User | None = None) -> Reservation:
    """Add a reservable session: a seat if free, else its waitlist. Commits.

    Locks the event row, then the session's (the order of seats.py), so a cancellation of
    the same registration cannot interleave.
    """
    if session.id not in {s.id for s in reservable_sessions(registration.event)}:
        raise FestaError("validation_error", _("Some fields are not valid."), status=422,
                         fields={"sessions": [_("This session does not take reservations.")]})
    seats.lock_counter(Event, registration.event_id)
    seats.lock_counter(Session, session.id)
    db.session.refresh(registration)
    if registration.status == CANCELLED:
        raise _not_active()
    reservation = _reservation(registration, session.id)
    if reservation is not None and reservation.status != CANCELLED:
        db.session.rollback()
        return reservation
    if reservation is None:
        reservation = Reservation(registration=registration, session=session)
        db.session.add(reservation)
    reservation.status, reservation.waitlisted_at = WAITLISTED, None
    if registration.status == CONFIRMED:
        if seats.take_seat(Session, session.id):
            reservation.status = CONFIRMED
        else:
            reservation.waitlisted_at = utcnow()
            queue_registration_mail(registration, "session_waitlisted", session=session)
    _audit(by, "reservation.create", registration, session_id=session.id)
    db.session.commit()
    return reservation


def drop_reservation(registration: Registration, session: Session, *,
                     by: User | None = None) -> None:
    """Give up a session reservation; a freed seat goes to the next in line at once. Commits."""
    seats.lock_counter(Session, session.id)
    reservation = _reservation(registration, session.id)
    if reservation is None or reservation.status == CANCELLED:
        db.session.rollback()
        return
    _drop(reservation)
    _audit(by, "reservation.cancel", registration, session_id=session.id)
    db.session.commit()
    seats.settle(None, [session.id])


def _drop(reservation: Reservation) -> None:
    """Cancel one reservation; its session's row must be locked by the caller."""
    was_confirmed = reservation.status == CONFIRMED
    reservation.status, reservation.waitlisted_at = CANCELLED, None
    if was_confirmed:
        db.session.flush()
        seats.release_seat(Session, reservation.session_id)
        seats.fill_session(reservation.session_id)


def _cancel(registration: Registration, reason: str) -> set[int] | None:
    """Cancel inside the current transaction; the session ids to settle after commit, or
    None when it was cancelled already. Locks: the event, then each session ascending."""
    seats.lock_counter(Event, registration.event_id)
    db.session.refresh(registration)
    if registration.status == CANCELLED:
        return None
    was_confirmed = registration.status == CONFIRMED
    registration.status, registration.cancelled_at = CANCELLED, utcnow()
    to_settle: set[int] = set()
    if was_confirmed:
        db.session.flush()
        seats.release_seat(Event, registration.event_id)
        for promoted in seats.fill_event(registration.event_id):
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
            seats.lock_counter(Session, reservation.session_id)
            db.session.refresh(reservation)
        to_settle.add(reservation.session_id)
        if reservation.status != CANCELLED:
            _drop(reservation)
    return to_settle


def cancel_registration(registration: Registration, by: User | None = None) -> Registration:
    """Cancel: the ticket is revoked, reservations released, and freed seats go to the first
    on each waitlist at once (they get a ticket and a mail). Idempotent. Commits."""
    reason = "cancelled by organizer" if by is not None else "cancelled by attendee"
    to_settle = _cancel(registration, reason)
    if to_settle is None:
        db.session.rollback()
        return registration
    queue_registration_mail(registration, "cancelled")
    _notify(registration, "registration.cancelled")
    _audit(by, "registration.cancel", registration)
    db.session.commit()
    seats.settle(registration.event_id, to_settle)
    return registration


def anonymize(registration: Registration, by: User | None = None) -> None:
    """Delete the personal data: cancel first unless the event is over (so the seats go to
    others and the counters stay right), then blank the person. Old manage links and the
    agenda feed stop working. Commits."""
    from festa.outbox.models import OutboxKind, OutboxMessage
    from festa.program.queries import event_bounds

    to_settle = None
    if utcnow() <= event_bounds(registration.event)[1]:
        to_settle = _cancel(registration, "personal data deleted")
    registration.name = "—"
    registration.email = f"deleted-{registration.id}@invalid"
    registration.organization = ""
    registration.agenda_token = secrets.token_urlsafe(24)
    registration.secret_version += 1
    registration.anonymized_at = utcnow()
    # Mail copies in the outbox hold the name and address too.
    db.session.execute(sa.delete(OutboxMessage).where(
        OutboxMessage.registration_id == registration.id, OutboxMessage.kind == OutboxKind.MAIL))
    if to_settle is not None:
        _notify(registration, "registration.cancelled")
    _audit(by, "registration.anonymize", registration)
    db.session.commit()
    if to_settle is not None:
        seats.settle(registration.event_id, to_settle)


def send_manage_link(event: Event, email: str) -> bool:
    """Mail the manage link to this address if it is registered for the event. Commits.
    Returns whether a mail was queued (pages must not tell the visitor)."""
    try:
        address = _normal_email(email)
    except EmailNotValidError:
        return False
    registration = db.session.scalar(sa.select(Registration).where(
        Registration.event_id == event.id, Registration.email == address))
    if registration is None or registration.anonymized_at is not None:
        return False
    queue_registration_mail(registration, "manage_link")
    db.session.commit()
    return True


def _audit(by: User | None, action: str, registration: Registration, **details) -> None:
    if by is not None:
        record(action, registration, user_id=by.id, details=details)
