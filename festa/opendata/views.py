"""Public open-data pages: the schedule changelog and each attendee's private agenda feed."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from festa.errors import FestaError
from festa.extensions import db
from festa.i18n import current_language, format_dt
from festa.opendata import calendars, structured, versions
from festa.program import queries
from festa.program.models import Event, ScheduleVersion
from festa.registration.models import Registration, RegistrationStatus
from festa.registration.services import registration_for_manage_token

bp = Blueprint("opendata", __name__)
# JSON-LD and Open Graph helpers for every template (the programme's pages include them).
bp.record_once(lambda state: structured.init_app(state.app))


def _when(value: str | None, event: Event) -> str:
    return format_dt(datetime.fromisoformat(value), "short", tz=event.timezone) if value else ""


def change_text(entry: dict, event: Event) -> str:
    """One line saying what happened, in the current language."""
    detail = entry.get("detail", {})
    lang = current_language()
    if entry["change"] == versions.MOVED:
        return _("from %(before)s to %(after)s", before=_when(detail.get("from_start"), event),
                 after=_when(detail.get("to_start"), event))
    if entry["change"] == versions.NEW_ROOM:
        return _("from %(before)s to %(after)s",
                 before=detail.get(f"from_room_{lang}") or "–",
                 after=detail.get(f"to_room_{lang}") or "–")
    if entry["change"] == versions.NEW and detail.get("starts_at"):
        return _when(detail["starts_at"], event)
    if entry["change"] == versions.CANCELLED and detail.get("deleted"):
        return _("removed from the programme")
    return ""


def changelog_rows(version: ScheduleVersion, event: Event) -> list[dict]:
    lang = current_language()
    other = "en" if lang == "ko" else "ko"
    rows = []
    for entry in version.changelog:
        detail = entry.get("detail", {})
        rows.append({
            "session_id": entry["session_id"],
            "change": entry["change"],
            "title": detail.get(f"title_{lang}") or detail.get(f"title_{other}", ""),
            "text": change_text(entry, event),
            "linked": entry["change"] != versions.CANCELLED or not detail.get("deleted"),
        })
    return rows


@bp.get("/events/<slug>/changes")
def changes(slug: str):
    """The public changelog: every published schedule version and what it changed."""
    event = queries.published_event_or_404(slug)
    history = [(v, changelog_rows(v, event)) for v in versions.event_versions(event)]
    return render_template("opendata/changes.html", event=event, history=history)


@bp.get("/agenda/<token>.ics")
def agenda(token: str):
    """An attendee's private calendar feed: their reserved and bookmarked sessions.

    The token in the URL is the credential (rotating it revokes the old URL); answers are
    private so shared caches never keep someone's agenda.
    """
    registration = db.session.scalar(
        sa.select(Registration).where(Registration.agenda_token == token)
    )
    if registration is None or registration.status == RegistrationStatus.CANCELLED:
        abort(404)
    if not registration.event.published:
        abort(404)
    response = Response(calendars.agenda_ics(registration), mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="agenda.ics"'
    response.cache_control.private = True
    response.cache_control.no_store = True
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.post("/registrations/manage/<token>/agenda/new-link")
def rotate_agenda(token: str):
    """Give the attendee a new agenda feed URL; the old one stops working at once."""
    try:
        registration = registration_for_manage_token(token)
    except FestaError:
        abort(403)
    calendars.rotate_agenda_token(registration)
    flash(_("Your calendar link was replaced. Subscribe again with the new link."), "success")
    return redirect(url_for("registration.manage", token=token) + "#agenda-feed")
