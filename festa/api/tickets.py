"""Ticket status for anyone holding a code: valid, revoked or unknown — never who it is."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint

from festa.tickets.services import ticket_state, verified_ticket

blp = Blueprint("api_tickets", __name__, description="Ticket status")


class TicketStatusSchema(ma.Schema):
    valid = ma.fields.Boolean(required=True, metadata={"description": "admits its holder"})
    event = ma.fields.String(
        required=True, allow_none=True,
        metadata={"description": "the event's slug; null for an unknown code"},
    )
    status = ma.fields.String(
        required=True, validate=ma.validate.OneOf(["valid", "revoked", "unknown"]),
        metadata={"description": "unknown: forged, malformed or not issued by us"},
    )


@blp.get("/tickets/<code>")
@blp.response(200, TicketStatusSchema)
def ticket_status(code: str):
    """Whether a ticket code is valid, and for which event. No personal data."""
    ticket = verified_ticket(code)
    state = ticket_state(ticket)
    return {
        "valid": state == "valid",
        "event": ticket.event.slug if ticket is not None else None,
        "status": state,
    }
