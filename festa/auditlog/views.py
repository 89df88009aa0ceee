"""The audit log for organizers and admins: every staff change and every scan, filterable."""

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from festa.auditlog import queries
from festa.auditlog.forms import AuditFilterForm
from festa.auth.services import organizer_required
from festa.core.inputs import page_number
from festa.i18n import localized

bp = Blueprint("audit_manage", __name__, url_prefix="/manage")


def _filters(actions: list[str]) -> tuple[AuditFilterForm, queries.AuditFilter]:
    """The filter form from the query string, and the filters it validly asks for."""
    form = AuditFilterForm(request.args)
    form.event.choices = [("", _("All events"))] + [
        (str(e.id), localized(e, "name")) for e in queries.events_for_filter(current_user)
    ]
    form.action.choices = [("", _("All actions"))] + [(a, a) for a in actions]
    if not form.validate():
        return form, queries.AuditFilter()
    event_id = form.event.data or ""
    return form, queries.AuditFilter(
        event_id=int(event_id) if event_id.isascii() and event_id.isdigit() else None,
        actor=form.actor.data or "",
        action=form.action.data or "",
    )


def _page_args() -> dict:
    return {k: v for k, v in request.args.items() if k not in ("page", "submit") and v}


@bp.get("/audit")
@organizer_required
def audit_log():
    """Who changed what and when, newest first; filter by event, actor and action."""
    form, filters = _filters(queries.known_actions())
    page = queries.audit_page(filters, current_user,
                              request.args.get("page", 1, type=page_number))
    return render_template("manage/audit/log.html", form=form, page=page, page_args=_page_args(),
                           view="audit_manage.audit_log")


@bp.get("/audit/scans")
@organizer_required
def scan_log():
    """Every scan by devices and door staff (failed ones too), newest first."""
    form, filters = _filters(list(queries.SCAN_ACTIONS))
    page = queries.page_of(queries.scan_query(filters, current_user),
                           request.args.get("page", 1, type=page_number))
    return render_template("manage/audit/scans.html", form=form, page=page,
                           page_args=_page_args(), view="audit_manage.scan_log")
