"""An event's team: who organizes it and who scans at its door. Admins and the event's own
organizers change it; everyone else does not see the event at all."""

from __future__ import annotations

from flask import redirect, url_for
from flask_babel import gettext as _

from festa.auth.forms import ROLE_LABELS
from festa.auth.models import User
from festa.auth.services import organizer_required
from festa.auth.teams import add_to_team, remove_from_team, scoped_or_404, team_members
from festa.extensions import db
from festa.i18n import localized
from festa.manage.base import bp
from festa.manage.forms import TeamMemberForm
from festa.program.models import Event
from festa.web.forms import ConfirmForm
from festa.web.views import render_form, run_service, saved


@bp.route("/events/<int:event_id>/team", methods=["GET", "POST"])
@organizer_required
def event_team(event_id: int):
    """The team's members with a button to remove each, and a form to add one by e-mail."""
    event = scoped_or_404(Event, event_id)
    form = TeamMemberForm()
    if form.validate_on_submit() and run_service(form, lambda: add_to_team(event,
                                                                           form.email.data)):
        saved(_("Added to the team."))
        return redirect(url_for("manage.event_team", event_id=event.id))
    return render_form(form, _("Team"), url_for("manage.event", event_id=event.id),
                       template="manage/program/team.html", subject=localized(event, "name"),
                       event=event, members=team_members(event.id), role_labels=ROLE_LABELS)


@bp.post("/events/<int:event_id>/team/<int:user_id>/remove")
@organizer_required
def event_team_remove(event_id: int, user_id: int):
    """Take someone off the team (they no longer see or scan at the event)."""
    event = scoped_or_404(Event, event_id)
    user = db.get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit() and run_service(
            None, lambda: remove_from_team(event, user)):
        saved(_("Removed from the team."))
    return redirect(url_for("manage.event_team", event_id=event.id))
