"""Check-in forgets a person whose data was erased: the answers kept for `client_scan_id`
replays name them, so those names go (the scan itself stays for the counts)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from festa import signals
from festa.checkin.models import Scan
from festa.extensions import db
from festa.tickets.models import Ticket


def forget_attendee(registration, **_data) -> list:
    """Drop the attendee's name from every stored scan answer of their ticket."""
    ticket_ids = sa.select(Ticket.id).where(Ticket.registration_id == registration.id)
    for scan in db.session.scalars(sa.select(Scan).where(Scan.ticket_id.in_(ticket_ids))):
        if scan.response and "attendee" in scan.response:
            scan.response = {k: v for k, v in scan.response.items() if k != "attendee"}
    return []


def init_app(app: Flask) -> None:
    """Listen for erased registrations (festa.signals; connecting twice changes nothing)."""
    signals.registration_erased.connect(forget_attendee)
