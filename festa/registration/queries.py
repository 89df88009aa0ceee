"""Reading registrations: what the API returns, what pages show, what organizers list.

Waitlist positions for whole lists are computed in one query per event or session
(enumerating the ordered line) rather than one count per person.
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from festa import hangul
from festa.extensions import db
from festa.program.models import Event, Session
from festa.registration.models import Registration, RegistrationStatus, Reservation
from festa.registration.questions.queries import answer_filter
from festa.registration.tokens import manage_token, manage_url
from festa.registration.waitlist import event_position, session_position
from festa.tickets.models import TicketStatus
from festa.tickets.services import ticket_links

STATUSES = tuple(RegistrationStatus)


def status_label(status: str) -> str:
    """A registration's or reservation's status in the current language."""
    labels = {
        RegistrationStatus.CONFIRMED: _("Confirmed"),
        RegistrationStatus.WAITLISTED: _("Waitlisted"),
        RegistrationStatus.CANCELLED: _("Cancelled"),
    }
    return labels.get(status, status)


def session_view(reservation: Reservation, positions: Mapping[int, int] | None = None) -> dict:
    """{"id", "status", "position"?} of one session reservation. `positions`: places in
    sessions' lines ({session id: place}) when the caller read them already."""
    view = {"id": reservation.session_id, "status": reservation.status}
    position = (positions.get(reservation.session_id) if positions is not None
                else session_position(reservation))
    if position is not None:
        view["position"] = position
    return view


def active_reservations(registration: Registration) -> list[Reservation]:
    """Reservations not given up, in programme order."""
    return sorted(
        (r for r in registration.reservations if r.status != RegistrationStatus.CANCELLED),
        key=lambda r: (r.session.starts_at, r.session_id),
    )


def registration_view(registration: Registration, position: int | None = None,
                      session_positions: Mapping[int, int] | None = None) -> dict:
    """{"id", "status", "position"?, "sessions": [...]} with current statuses. `position`,
    `session_positions`: the places on the event's and the sessions' waitlists when the
    caller read them already (see register_placed)."""
    view = {"id": registration.id, "status": registration.status}
    if position is None and session_positions is None:
        position = event_position(registration)
    if position is not None:
        view["position"] = position
    view["sessions"] = [session_view(r, session_positions)
                        for r in active_reservations(registration)]
    return view


def valid_ticket(registration: Registration):
    """The registration's ticket while it works (confirmed, not revoked), else None."""
    if registration.status != RegistrationStatus.CONFIRMED or registration.ticket is None:
        return None
    ticket = registration.ticket
    return ticket if ticket.status == TicketStatus.VALID else None


def api_body(registration: Registration, position: int | None = None,
             session_positions: Mapping[int, int] | None = None) -> dict:
    """The contract's registration body (POST 201, GET, DELETE); the places as for
    registration_view."""
    ticket = valid_ticket(registration)
    token = manage_token(registration)
    return {
        "registration": registration_view(registration, position, session_positions),
        "ticket": ticket_links(ticket) if ticket else None,
        "manage_url": manage_url(registration, token),
        "manage_token": token,
    }


# ------------------------------------------------------------------ organizers' lists


def event_positions(event_id: int) -> dict[int, int]:
    """{registration id: place} for everyone on the event's waitlist."""
    ids = db.session.scalars(
        sa.select(Registration.id)
        .where(Registration.event_id == event_id,
               Registration.status == RegistrationStatus.WAITLISTED)
        .order_by(Registration.waitlisted_at, Registration.id)
    )
    return {reg_id: place for place, reg_id in enumerate(ids, start=1)}


def status_counts(event: Event) -> dict[str, int]:
    """How many registrations of each status (all statuses present, total included)."""
    rows = db.session.execute(
        sa.select(Registration.status, sa.func.count(Registration.id))
        .where(Registration.event_id == event.id)
        .group_by(Registration.status)
    ).all()
    counts = dict.fromkeys(STATUSES, 0) | {status: n for status, n in rows}
    counts["total"] = sum(counts[s] for s in STATUSES)
    return counts


def session_seats(event: Event) -> list[dict]:
    """Per reservable session: capacity, seats taken and left, how many wait."""
    waiting = dict(db.session.execute(
        sa.select(Reservation.session_id, sa.func.count(Reservation.id))
        .join(Session, Session.id == Reservation.session_id)
        .where(Session.event_id == event.id, Reservation.status == RegistrationStatus.WAITLISTED)
        .group_by(Reservation.session_id)
    ).all())
    sessions = db.session.scalars(
        sa.select(Session)
        .where(Session.event_id == event.id, Session.reservation_required.is_(True),
               Session.scheduled)
        .order_by(Session.starts_at, Session.id)
    )
    return [
        {"session": s, "capacity": s.capacity, "taken": s.seats_taken,
         "left": s.seats_left, "waiting": waiting.get(s.id, 0)}
        for s in sessions
    ]


def search_registrations(event: Event, query: str = "", status: str = "", answer: str = ""
                         ) -> list[Registration]:
    """The event's registrations, newest first, filtered by status, by an answer
    ("<question id>:<value>", see questions.queries.answer_filter) and by a search in name,
    e-mail and organisation that understands Hangul initials (ㅇㅅㅎ finds 오세훈)."""
    statement = (
        sa.select(Registration)
        .where(Registration.event_id == event.id)
        .options(selectinload(Registration.reservations).selectinload(Reservation.session),
                 selectinload(Registration.ticket))
        .order_by(Registration.created_at.desc(), Registration.id.desc())
    )
    if status in STATUSES:
        statement = statement.where(Registration.status == status)
    answering = answer_filter(event.id, answer) if answer else None
    if answering is not None:
        statement = statement.where(Registration.id.in_(answering))
    rows = db.session.scalars(statement).all()
    query = (query or "").strip()
    if not query:
        return list(rows)
    return [r for r in rows
            if any(hangul.matches(query, text) for text in (r.name, r.email, r.organization))]


def list_filters(args: Mapping[str, str]) -> tuple[str, str, str]:
    """(search, status, answer "<question id>:<value>") of a registrations list, from the
    query string (the list page and its CSV read the same)."""
    query = args.get("q", "").strip()[:100]
    status = args.get("status", "")
    answer = args.get("answer", "")[:220]
    return query, status if status in STATUSES else "", answer
