"""Manage speakers: the people on stage, shared by all events."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _

from festa.auth.services import organizer_required
from festa.extensions import db
from festa.hangul import matches
from festa.i18n import speaker_name
from festa.manage import queries
from festa.manage.base import bp
from festa.manage.session_forms import SpeakerForm
from festa.program import sessions as services
from festa.program.models import Speaker
from festa.web.views import confirm_delete, form_page


def _search_text(speaker: Speaker) -> str:
    return " ".join((speaker_name(speaker, "ko"), speaker_name(speaker, "en"),
                     speaker.affiliation_ko, speaker.affiliation_en))


@bp.get("/speakers/")
@organizer_required
def speakers():
    """All speakers, searchable in Hangul (초성 too) and Latin letters."""
    query = request.args.get("q", "").strip()[:100]
    rows = queries.all_speakers()
    if query:
        rows = [s for s in rows if matches(query, _search_text(s))]
    return render_template("manage/program/speakers.html", speakers=rows, query=query,
                           session_counts=queries.speaker_session_counts())


@bp.route("/speakers/new", methods=["GET", "POST"])
@organizer_required
def speaker_new():
    """Add a speaker."""
    form = SpeakerForm()
    back = url_for("manage.speakers")
    return form_page(form, lambda: services.create_speaker(form.model_data()), back,
                     title=_("New speaker"), back=back, message=_("Speaker added."))


@bp.route("/speakers/<int:speaker_id>/edit", methods=["GET", "POST"])
@organizer_required
def speaker_edit(speaker_id: int):
    """Edit a speaker's names, affiliation, biography, photo and private e-mail."""
    speaker = db.get_or_404(Speaker, speaker_id)
    form = SpeakerForm(obj=speaker)
    back = url_for("manage.speakers")
    return form_page(form, lambda: services.update_speaker(speaker, form.model_data()), back,
                     title=_("Edit speaker"), back=back, subject=speaker_name(speaker),
                     delete_url=url_for("manage.speaker_delete", speaker_id=speaker.id))


@bp.route("/speakers/<int:speaker_id>/delete", methods=["GET", "POST"])
@organizer_required
def speaker_delete(speaker_id: int):
    """Delete a speaker; they are taken off every session (asks first)."""
    speaker = db.get_or_404(Speaker, speaker_id)
    return confirm_delete(speaker_name(speaker),
                          url_for("manage.speaker_edit", speaker_id=speaker.id),
                          lambda: services.delete_speaker(speaker), url_for("manage.speakers"))
