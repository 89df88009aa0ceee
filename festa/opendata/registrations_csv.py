"""The organizers' CSV of registrations, with each person's check-in time (so it sits above
registration and check-in): UTF-8 with a BOM so spreadsheet programs open the Korean intact,
one row per registration, formulas defused."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa
from flask_babel import gettext as _

from festa.audit.services import record
from festa.checkin.models import Checkpoint, Presence
from festa.core.cells import defuse_formula
from festa.core.transactions import transactional
from festa.extensions import db
from festa.i18n import format_dt, localized
from festa.program.models import Event
from festa.registration.models import Registration, RegistrationStatus
from festa.registration.queries import event_positions, status_label
from festa.registration.questions.queries import answer_columns

BOM = "\ufeff"


@transactional
def audit_export(event: Event, rows: int, query: str, status: str, answer: str = "") -> None:
    """Record who exported how many registrations with which filter: an access record of
    personal data (the one kind of write a GET may make), its own transaction."""
    record("registration.export", event, details={"rows": rows, "q": query, "status": status,
                                                  "answer": answer})


def _cell(value: object) -> str:
    return defuse_formula("" if value is None else str(value))


def entry_times(event: Event) -> dict[int, object]:
    """{ticket id: first time through an entrance} for the event."""
    rows = db.session.execute(
        sa.select(Presence.ticket_id, sa.func.min(Presence.first_entry_at))
        .join(Checkpoint, Checkpoint.id == Presence.checkpoint_id)
        .where(Checkpoint.event_id == event.id, Checkpoint.is_entrance.is_(True))
        .group_by(Presence.ticket_id)
    ).all()
    return dict(rows)


def _sessions_text(registration: Registration) -> str:
    parts = []
    for reservation in registration.reservations:
        if reservation.status == RegistrationStatus.CANCELLED:
            continue
        title = localized(reservation.session, "title")
        parts.append(f"{title} ({status_label(reservation.status)})")
    return "; ".join(parts)


def registrations_csv(event: Event, registrations: list[Registration]) -> str:
    """The CSV text, BOM first (registrations as listed, sessions loaded)."""
    positions = event_positions(event.id)
    entries = entry_times(event)
    questions, answers = answer_columns(event.id, [r.id for r in registrations])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_("ID"), _("Name"), _("E-mail"), _("Organisation"), _("Language"),
                     _("Status"), _("Waitlist place"), _("Sessions"), _("Source"),
                     _("Registered at"), _("Ticket"), _("Checked in at"), *questions])
    for r in registrations:
        ticket = r.ticket
        entered = entries.get(ticket.id) if ticket is not None else None
        writer.writerow([_cell(v) for v in (
            r.id, r.name, r.email, r.organization, r.locale, status_label(r.status),
            positions.get(r.id, ""), _sessions_text(r), r.source,
            format_dt(r.created_at, "yyyy-MM-dd HH:mm", tz=event.timezone),
            ticket.code if ticket is not None else "",
            format_dt(entered, "yyyy-MM-dd HH:mm", tz=event.timezone) if entered else "",
            *answers[r.id],
        )])
    return BOM + out.getvalue()
