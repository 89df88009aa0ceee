"""Organizers' badge pages: the event's layout, and PDFs of all, a filtered set, or one."""

from __future__ import annotations

from flask import Blueprint, Response, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import IntegerField, RadioField, SelectField
from wtforms.validators import NumberRange

from festa.auth.services import organizer_required
from festa.auth.teams import scoped_or_404
from festa.badges import services
from festa.badges.models import BadgeSize
from festa.i18n import localized
from festa.program.models import Event
from festa.registration import queries
from festa.registration.models import Registration, RegistrationStatus
from festa.registration.questions.rules import event_questions
from festa.web.forms import ManageForm, choices, optional_int
from festa.web.views import form_page

bp = Blueprint("badges_manage", __name__, url_prefix="/manage")


class LayoutForm(ManageForm):
    size = RadioField(_l("Badge size"), choices=choices({
        BadgeSize.CARD.value: _l("Card, 90 × 55 mm"), BadgeSize.A6.value: _l("A6, 105 × 148 mm")}))
    per_sheet = IntegerField(_l("Badges per printed page"), [NumberRange(min=1, max=8)],
                             description=_l("1 for a badge printer; up to 8 cards or 4 A6 "
                                            "badges on an A4 sheet."))
    band_question_id = SelectField(_l("Coloured band shows the answer to"),
                                   coerce=optional_int, validate_choice=False)

    rows = (("size",), ("per_sheet",), ("band_question_id",))

    def __init__(self, *args, questions: list = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.band_question_id.choices = choices(
            {q.id: localized(q, "label") for q in questions}, _l("— no band —"))


def _pdf(pdf: bytes, name: str) -> Response:
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{name}"',
        "Cache-Control": "private, no-store"})


@bp.route("/events/<int:event_id>/badges", methods=["GET", "POST"])
@organizer_required
def badges(event_id: int):
    """The badge layout, and printing all badges or those of the filtered list."""
    event = scoped_or_404(Event, event_id)
    layout = services.layout_for(event)
    form = LayoutForm(obj=layout, questions=event_questions(event.id))
    back = url_for(".badges", event_id=event.id)
    return form_page(
        form, lambda: services.save_layout(event, **form.model_data()), back,
        title=_("Name badges"), back=url_for("questions_manage.questions", event_id=event.id),
        subject=localized(event, "name"), template="manage/registration/badges.html",
        event=event)


@bp.get("/events/<int:event_id>/badges.pdf")
@organizer_required
def badges_pdf(event_id: int):
    """Badges of the confirmed registrations, or of the list as filtered (q, status,
    answer); one audit entry names who printed them and which."""
    event = scoped_or_404(Event, event_id)
    filters = {key: request.args.get(key, "")[:220] for key in ("q", "status", "answer")}
    status = filters["status"] if filters["status"] in queries.STATUSES \
        else RegistrationStatus.CONFIRMED
    rows = queries.search_registrations(event, filters["q"], status, filters["answer"])
    rows = [r for r in reversed(rows) if r.anonymized_at is None]  # oldest first
    services.record_batch(event, rows, filters=filters)
    return _pdf(services.render(event, rows), f"{event.slug}-badges.pdf")


@bp.get("/registrations/<int:registration_id>/badge.pdf")
@organizer_required
def badge_pdf(registration_id: int):
    """One attendee's badge (audited as a print or a reprint)."""
    registration = scoped_or_404(Registration, registration_id)
    pdf = services.render(registration.event, [registration])
    services.record_print(registration, user_id=current_user.id, source="manage")
    return _pdf(pdf, f"badge-{registration.id}.pdf")
