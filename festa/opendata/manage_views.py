"""Organizers' open-data pages: publish schedule versions, import and export, feed links."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from festa.auth.services import organizer_required
from festa.auth.teams import scoped_or_404
from festa.core.transactions import rehearsal
from festa.errors import FestaError
from festa.i18n import format_dt
from festa.opendata import import_csv, importer, spreadsheets, versions
from festa.opendata.forms import ConfirmImportForm, ImportForm
from festa.opendata.import_apply import apply_plan
from festa.opendata.import_plan import ImportFailed, ImportPlan
from festa.opendata.registrations_csv import audit_export, registrations_csv
from festa.program.models import Event
from festa.program.queries import all_events
from festa.registration import queries as registration_queries
from festa.web.forms import ConfirmForm

bp = Blueprint("opendata_manage", __name__, url_prefix="/manage")
TABLES = {"attendees": spreadsheets.attendees, "checkins": spreadsheets.checkins,
          "programme": spreadsheets.programme}
MIMETYPES = {"csv": "text/csv",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@bp.before_request
@organizer_required
def guard() -> None:
    """Every page here is for organizers."""


@bp.get("/open-data")
def hub():
    """Every event with its open-data pages, and the organizer's API tokens."""
    return render_template("manage/opendata/index.html", events=all_events(current_user))


@bp.get("/events/<int:event_id>/open-data")
def event_hub(event_id: int):
    """Schedule versions (pending changes, publish), import, export and feed links."""
    event = scoped_or_404(Event, event_id)
    return render_template(
        "manage/opendata/event.html", event=event, form=ConfirmForm(),
        pending=versions.pending_changes(event), history=versions.event_versions(event),
    )


@bp.post("/events/<int:event_id>/schedule-versions")
def publish(event_id: int):
    """Publish the schedule as the next version, with its changelog."""
    event = scoped_or_404(Event, event_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        version = versions.publish_schedule(event, current_user.id)
    except FestaError as error:
        flash(error.message if error.code != "nothing_changed"
              else _("Nothing changed since the last version."), "warning")
    else:
        flash(_("Published schedule version %(number)d.", number=version.number), "success")
    return redirect(url_for(".event_hub", event_id=event_id))


@bp.get("/events/<int:event_id>/export/<table>.<fmt>")
def export(event_id: int, table: str, fmt: str):
    """Attendees, check-ins or the programme as a CSV (UTF-8 with BOM) or XLSX download;
    downloads of personal data are audited."""
    event = scoped_or_404(Event, event_id)
    if table not in TABLES or fmt not in MIMETYPES:
        abort(404)
    data = TABLES[table](event)
    spreadsheets.audit_download(event, table, fmt, data)
    body = (spreadsheets.to_csv(data, event.timezone) if fmt == "csv"
            else spreadsheets.to_xlsx(data, event.timezone))
    response = Response(body, mimetype=MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{event.slug}-{table}.{fmt}"'
    response.cache_control.no_store = True
    return response


@bp.get("/events/<int:event_id>/registrations.csv")
def export_registrations(event_id: int):
    """The registrations list as filtered on its page, as CSV (UTF-8 with BOM), with each
    person's check-in time. Exporting personal data is audited."""
    event = scoped_or_404(Event, event_id)
    query, status, answer = registration_queries.list_filters(request.args)
    rows = registration_queries.search_registrations(event, query, status, answer)
    audit_export(event, len(rows), query, status, answer)
    return Response(
        registrations_csv(event, rows), mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{event.slug}-registrations.csv"',
                 "Cache-Control": "private, no-store"},
    )


@bp.get("/import-template.csv")
def import_template():
    """The programme CSV template: the columns and two example rows."""
    table = spreadsheets.Table("template", import_csv.template_rows()[0],
                               import_csv.template_rows()[1:])
    response = Response(spreadsheets.to_csv(table, "Asia/Seoul"), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="festa-programme.csv"'
    return response


@bp.route("/events/<int:event_id>/import", methods=["GET", "POST"])
def import_upload(event_id: int):
    """Upload a programme (CSV or schedule.json); it is parsed and kept for the preview."""
    event = scoped_or_404(Event, event_id)
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.upload.data
        plan = importer.parse_upload(upload.filename or "", upload.read(), event)
        key = importer.save_plan(plan, current_user.id, event.id)
        return redirect(url_for(".import_preview", event_id=event.id, key=key))
    return render_template("manage/opendata/import_upload.html", event=event, form=form,
                           columns=import_csv.COLUMNS), 422 if form.errors else 200


@bp.get("/events/<int:event_id>/import/<key>")
def import_preview(event_id: int, key: str):
    """What the upload would change, with every error and warning by line; nothing saved."""
    event = scoped_or_404(Event, event_id)
    plan = importer.load_plan(key, current_user.id, event.id)
    if plan is None:
        flash(_("That upload has expired. Please upload the file again."), "warning")
        return redirect(url_for(".import_upload", event_id=event.id))
    summary, errors = dry_run(plan, event)
    return render_template("manage/opendata/import_preview.html", event=event, plan=plan, key=key,
                           summary=summary, errors=errors, when=lambda iso: format_dt(
                               datetime.fromisoformat(iso), "short", tz=event.timezone),
                           form=ConfirmImportForm(key=key)), 422 if errors else 200


def dry_run(plan: ImportPlan, event: Event) -> tuple[dict | None, list[dict]]:
    """Rehearse the import (applied, then rolled back): exact counts, and refusals the
    parser cannot see."""
    try:
        with rehearsal():
            return apply_plan(plan, event), []
    except ImportFailed as failure:
        return None, failure.errors


@bp.post("/events/<int:event_id>/import/<key>")
def import_commit(event_id: int, key: str):
    """Import the previewed upload in one transaction: every session or none."""
    event = scoped_or_404(Event, event_id)
    form = ConfirmImportForm()
    plan = importer.load_plan(key, current_user.id, event.id)
    if not form.validate_on_submit() or form.key.data != key or plan is None:
        flash(_("That upload has expired. Please upload the file again."), "warning")
        return redirect(url_for(".import_upload", event_id=event.id))
    try:
        summary = apply_plan(plan, event)
    except ImportFailed:
        flash(_("Nothing was imported: the file has errors."), "error")
        return redirect(url_for(".import_preview", event_id=event.id, key=key))
    importer.discard_plan(key)
    flash(_("Imported: %(created)d new, %(updated)d updated, %(unchanged)d unchanged sessions.",
            **{k: summary[k] for k in ("created", "updated", "unchanged")}), "success")
    return redirect(url_for(".event_hub", event_id=event.id))
