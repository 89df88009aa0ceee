"""Organizers' spreadsheets: attendees, check-ins and the programme, as CSV or XLSX.

CSV is UTF-8 with a BOM so Excel (Korean Windows included) opens Hangul correctly. Cells
that a spreadsheet would run as a formula are neutralised (CSV: a leading apostrophe;
XLSX: stored as text). The programme CSV uses exactly the import's columns, so it can be
edited and uploaded again, or imported into another event (its ids are then ignored).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import selectinload

from festa.audit.services import record
from festa.auth.models import User
from festa.checkin.models import Checkpoint, Device, Scan
from festa.core.cells import defuse_formula
from festa.core.transactions import transactional
from festa.extensions import db
from festa.i18n import local_time, speaker_name
from festa.opendata.import_csv import COLUMNS as PROGRAMME_COLUMNS
from festa.program import queries
from festa.program.models import Event, Session
from festa.registration.models import Registration, Reservation
from festa.registration.questions.queries import answer_columns
from festa.tickets.models import Ticket

# Tables holding personal data: every download of one is written in the audit log.
PERSONAL_TABLES = frozenset({"attendees", "checkins"})


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list]


def _cell(value: object, tz: str) -> object:
    if isinstance(value, datetime):
        return local_time(value, tz).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else value


def to_csv(table: Table, tz: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([defuse_formula(_cell(v, tz)) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx_safe(value: object) -> object:
    """XLSX (XML) cannot hold most control characters: drop them rather than fail the
    whole download over one old row."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def to_xlsx(table: Table, tz: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = table.title[:31]
    sheet.append(table.headers)
    for row in table.rows:
        sheet.append([_xlsx_safe(_cell(v, tz)) for v in row])
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text, never a formula
    for index, header in enumerate(table.headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(header) + 4)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@transactional
def audit_download(event: Event, name: str, fmt: str, table: Table) -> None:
    """Record a download of personal data (who, which table, how many rows): an access
    record, the one kind of write a GET may make."""
    if name in PERSONAL_TABLES:
        record(f"export.{name}", event, details={"format": fmt, "rows": len(table.rows)})


def _titles(reservations: Iterable[Reservation]) -> str:
    return "; ".join(f"{r.session.title_ko} ({r.status})" for r in reservations)


def attendees(event: Event) -> Table:
    """Every registration of the event with its status, ticket and reservations."""
    registrations = db.session.scalars(
        sa.select(Registration).where(Registration.event_id == event.id)
        .options(selectinload(Registration.reservations).selectinload(Reservation.session),
                 selectinload(Registration.ticket))
        .order_by(Registration.created_at, Registration.id)
    ).all()
    questions, answers = answer_columns(event.id, [r.id for r in registrations])
    headers = [_("ID"), _("Name"), _("E-mail"), _("Organization"), _("Language"), _("Status"),
               _("Registered at"), _("Waitlisted at"), _("Cancelled at"), _("Source"),
               _("Ticket"), _("Sessions"), *questions]
    rows = [[r.id, r.name, r.email, r.organization, r.locale, r.status, r.created_at,
             r.waitlisted_at, r.cancelled_at, r.source,
             r.ticket.status if r.ticket else "", _titles(r.reservations), *answers[r.id]]
            for r in registrations]
    return Table(_("Attendees"), headers, rows)


def checkins(event: Event) -> Table:
    """Every scan at the event's checkpoints, failed ones too, oldest first."""
    query = (
        sa.select(Scan, Checkpoint.name, Registration.id, Registration.name, Device.name,
                  User.email)
        .join(Checkpoint, Scan.checkpoint_id == Checkpoint.id)
        .outerjoin(Ticket, Scan.ticket_id == Ticket.id)
        .outerjoin(Registration, Ticket.registration_id == Registration.id)
        .outerjoin(Device, Scan.device_id == Device.id)
        .outerjoin(User, Scan.user_id == User.id)
        .where(Checkpoint.event_id == event.id)
        .order_by(Scan.scanned_at, Scan.id)
    )
    headers = [_("ID"), _("Scanned at"), _("Checkpoint"), _("Direction"), _("Result"),
               _("Mode"), _("Attendee"), _("Registration"), _("Device"), _("Staff")]
    rows = []
    for scan, checkpoint, registration_id, name, device, staff in db.session.execute(query):
        rows.append([scan.id, scan.scanned_at, checkpoint, scan.direction, scan.result,
                     scan.mode, name, registration_id, device, staff])
    return Table(_("Check-ins"), headers, rows)


def _links_cell(links: list | None) -> str:
    """One link a line, the address then its title (import_csv reads it back)."""
    return "\n".join(f"{link['url']} {link.get('title') or ''}".strip() for link in links or [])


def programme_row(session: Session, event: Event) -> list:
    """One session in the import's columns (the event gives the time zone and venue)."""
    tz, venue = event.timezone, event.venue
    start, end = local_time(session.starts_at, tz), local_time(session.ends_at, tz)
    room, track = session.room, session.track
    speakers = [role.speaker for role in session.speaker_roles]
    end_date = end.strftime("%Y-%m-%d") if end.date() != start.date() else ""
    return [
        session.id, start.strftime("%Y-%m-%d"), start.strftime("%H:%M"), end.strftime("%H:%M"),
        session.title_ko, session.title_en, session.kind, session.language,
        room.name_ko if room else "", room.name_en if room else "",
        track.name_ko if track else "", track.name_en if track else "",
        "; ".join(speaker_name(s, "ko") for s in speakers),
        "; ".join(speaker_name(s, "en") for s in speakers),
        "" if session.capacity is None else session.capacity,
        session.reservation_required, session.cancelled, session.abstract_ko, session.abstract_en,
        # Columns added later, at the end (import_csv.COLUMNS).
        end_date, session.subtitle_ko, session.subtitle_en, session.description_ko,
        session.description_en, _links_cell(session.links), session.do_not_record,
        track.color if track else "", room.capacity if room else None,
        venue.name_ko if venue else "", venue.name_en if venue else "",
        venue.address_ko if venue else "", venue.address_en if venue else "",
        room.position if room else None, track.position if track else None,
    ]


def programme(event: Event) -> Table:
    """The programme in the import's columns (round trip: export, edit, upload)."""
    rows = [programme_row(s, event) for s in queries.schedule_sessions(event)]
    return Table(_("Programme"), list(PROGRAMME_COLUMNS), rows)
