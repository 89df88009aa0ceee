"""Badges of an event's registrations: the layout, the PDF, and the print log.

Every print is audited with who printed it (a staff member or a door device): one entry
per badge printed alone (`badge.print`, or `badge.reprint` when that person's badge was
printed before), one `badge.print_batch` entry for a sheet of many.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from festa.audit.models import AuditEntry
from festa.audit.services import record
from festa.badges.models import BadgeLayout, BadgeSize
from festa.badges.pdf import MAX_PER_SHEET, Badge, badges_pdf
from festa.errors import FestaError
from festa.extensions import db
from festa.i18n import localized
from festa.program.models import Event
from festa.registration.models import Registration, RegistrationStatus
from festa.registration.questions.models import Answer, Question
from festa.registration.questions.queries import answer_text, answers_by_registration
from festa.tickets.models import TicketStatus
from festa.tickets.qr import qr_png

PRINT_ACTIONS = ("badge.print", "badge.reprint")


def layout_for(event: Event) -> BadgeLayout:
    """The event's layout, or the default (90 × 55 mm, one per page, no band) unsaved."""
    return db.session.get(BadgeLayout, event.id) or BadgeLayout(
        event_id=event.id, size=BadgeSize.CARD, per_sheet=1, band_question_id=None)


def save_layout(event: Event, size: str, per_sheet: int, band_question_id: int | None
                ) -> BadgeLayout:
    """Change the event's badge layout. Audited; commits."""
    fields: dict[str, list[str]] = {}
    if size not in set(BadgeSize):
        fields["size"] = [_("Choose a badge size.")]
    elif not 1 <= (per_sheet or 0) <= MAX_PER_SHEET[size]:
        fields["per_sheet"] = [_("Between 1 and %(n)s badges fit on a sheet of this size.",
                                 n=MAX_PER_SHEET[size])]
    if band_question_id is not None:
        question = db.session.get(Question, band_question_id)
        if question is None or question.event_id != event.id:
            fields["band_question_id"] = [_("Choose a question of this event.")]
    if fields:
        raise FestaError("validation_error", _("Some fields are not valid."), status=422,
                         fields=fields)
    layout = db.session.get(BadgeLayout, event.id) or BadgeLayout(event_id=event.id)
    layout.size, layout.per_sheet, layout.band_question_id = size, per_sheet, band_question_id
    db.session.add(layout)
    record("badge.layout", event, details={"size": size, "per_sheet": per_sheet,
                                          "band_question_id": band_question_id})
    db.session.commit()
    return layout


def _band(answer: Answer | None, lang: str) -> tuple[str, str]:
    """(text, colour) of the band: the first choice's colour, else the default blue."""
    if answer is None:
        return "", ""
    color = answer.choices[0].color if answer.choices else "#3355aa"
    return answer_text(answer, lang), color


def badge_of(registration: Registration, layout: BadgeLayout,
             answers: dict[int, Answer] | None = None) -> Badge:
    """What one registration's badge shows, in the attendee's language."""
    lang = registration.locale or "ko"
    text, color = "", ""
    if layout.band_question_id is not None and answers is not None:
        text, color = _band(answers.get(layout.band_question_id), lang)
    ticket = registration.ticket
    live = (ticket is not None and ticket.status == TicketStatus.VALID
            and registration.status == RegistrationStatus.CONFIRMED)
    return Badge(event_name=localized(registration.event, "name", lang), name=registration.name,
                 organization=registration.organization, band_text=text, band_color=color,
                 qr_png=qr_png(ticket.code) if live else None)


def render(event: Event, registrations: list[Registration]) -> bytes:
    """The PDF of these registrations' badges in the event's layout."""
    layout = layout_for(event)
    answers = answers_by_registration([r.id for r in registrations])
    badges = [badge_of(r, layout, answers.get(r.id, {})) for r in registrations]
    return badges_pdf(badges, layout.size, layout.per_sheet,
                      title=_("Badges · %(event)s", event=localized(event, "name")))


def printed_before(registration: Registration) -> bool:
    return db.session.scalar(sa.select(sa.exists().where(
        AuditEntry.action.in_(PRINT_ACTIONS), AuditEntry.target_type == "registration",
        AuditEntry.target_id == registration.id)))


def record_print(registration: Registration, *, user_id: int | None = None,
                 device_id: int | None = None, source: str = "manage") -> str:
    """Audit one badge printed (the action: badge.print or badge.reprint). Commits."""
    action = "badge.reprint" if printed_before(registration) else "badge.print"
    record(action, registration, user_id=user_id, device_id=device_id,
           details={"source": source})
    db.session.commit()
    return action


def record_batch(event: Event, registrations: list[Registration], *, filters: dict) -> None:
    """Audit a sheet of many badges (who: the logged-in organizer). Commits."""
    record("badge.print_batch", event, details={
        "count": len(registrations), "filters": filters,
        "registration_ids": [r.id for r in registrations][:1000]})
    db.session.commit()
