"""The audit log for organizers and admins: every staff and device action, filterable."""

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from festa.audit import queries
from festa.audit.forms import AuditFilterForm
from festa.auth.services import organizer_required
from festa.i18n import localized

bp = Blueprint("audit_manage", __name__, url_prefix="/manage")


def _filter_form() -> AuditFilterForm:
    form = AuditFilterForm(request.args)
    form.event.choices = [("", _("All events"))] + [
        (str(e.id), localized(e, "name")) for e in queries.events_for_filter()
    ]
    form.action.choices = [("", _("All actions"))] + [
        (a, a) for a in queries.known_actions()
    ]
    return form


@bp.get("/audit")
@organizer_required
def audit_log():
    """Who did what and when, newest first; filter by event, actor and action."""
    form = _filter_form()
    valid = form.validate()
    event_id = form.event.data if valid else ""
    filters = queries.AuditFilter(
        event_id=int(event_id) if event_id and event_id.isascii() and event_id.isdigit() else None,
        actor=(form.actor.data or "") if valid else "",
        action=(form.action.data or "") if valid else "",
    )
    page = queries.audit_page(filters, request.args.get("page", 1, type=int))
    args = {k: v for k, v in request.args.items() if k not in ("page", "submit") and v}
    return render_template("manage/audit.html", form=form, page=page, page_args=args)
