"""Issuing and revoking tickets."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask import current_app

from festa.dbtypes import utcnow
from festa.extensions import db
from festa.tickets.codes import InvalidCode, sign_ticket, verify_code
from festa.tickets.models import Ticket, TicketStatus


def ticket_id_ahead(when: sa.ColumnElement[bool]) -> sa.ColumnElement:
    """A column to read along with another query: a new ticket id from the tickets'
    sequence where `when` holds (PostgreSQL; evaluated only then), else NULL. With it,
    `issue_ticket` writes the ticket and its code in one INSERT."""
    if db.session.get_bind().dialect.name != "postgresql":
        return sa.null()
    sequence = sa.func.pg_get_serial_sequence(Ticket.__tablename__, "id")
    return sa.case((when, sa.func.nextval(sequence)), else_=sa.null())


def issue_ticket(registration, ticket_id: int | None = None) -> Ticket:
    """Give a confirmed registration its ticket (once; a second call returns the same one).

    The code signs the ticket id: given an id taken ahead (`ticket_id_ahead`), the ticket
    is added with its code; otherwise the row is inserted first with a placeholder code.
    Caller commits.
    """
    if registration.ticket is not None:
        return registration.ticket
    ticket = Ticket(registration=registration, event_id=registration.event_id)
    if ticket_id is not None:
        ticket.id = ticket_id
        ticket.code, ticket.key_id = sign_ticket(ticket_id, ticket.event_id)
        db.session.add(ticket)
        return ticket
    ticket.code, ticket.key_id = f"pending-{secrets.token_hex(8)}", 0
    db.session.add(ticket)
    db.session.flush()
    ticket.code, ticket.key_id = sign_ticket(ticket.id, ticket.event_id)
    return ticket


def revoke_ticket(ticket: Ticket, reason: str) -> None:
    """Stop a ticket from working (cancelled registration, organizer's decision). Caller commits."""
    if ticket.status == TicketStatus.REVOKED:
        return
    ticket.status = TicketStatus.REVOKED
    ticket.revoked_at = utcnow()
    ticket.revoked_reason = reason[:200]


def ticket_by_code(code: str) -> Ticket | None:
    return db.session.scalar(sa.select(Ticket).where(Ticket.code == code))


def verified_ticket(text: str) -> Ticket | None:
    """The ticket behind a code (or a ticket page URL) whose signature checks out and
    whose signed ids match the stored ticket; None for anything forged or unknown."""
    try:
        claims = verify_code(text)
    except InvalidCode:
        return None
    ticket = db.session.scalar(sa.select(Ticket).where(Ticket.id == claims.ticket_id))
    if ticket is None or ticket.event_id != claims.event_id:
        return None
    return ticket


def ticket_state(ticket: Ticket | None) -> str:
    """'valid', 'revoked' (revoked ticket or cancelled registration) or 'unknown'."""
    if ticket is None:
        return "unknown"
    if ticket.status == TicketStatus.REVOKED:
        return "revoked"
    if ticket.registration.is_cancelled:
        return "revoked"
    return "valid"


def ticket_path(code: str) -> str:
    """The ticket page's path; the QR images and calendar file live below it."""
    return f"/tickets/{code}"


def ticket_links(ticket: Ticket) -> dict[str, str]:
    """The code and the absolute URLs of its page and QR images (FESTA_BASE_URL), as the
    API returns them and mails link to them."""
    base = current_app.config["FESTA_BASE_URL"] + ticket_path(ticket.code)
    return {
        "code": ticket.code,
        "url": base,
        "qr_png": f"{base}/qr.png",
        "qr_svg": f"{base}/qr.svg",
    }
