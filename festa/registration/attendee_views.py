"""Public pages for the attendee this browser belongs to (festa.registration.attendee):
the link to their manage page on their ticket, and ☆ bookmarks on the schedule and session
pages. A plain form POST works without JavaScript (back
to the page it came from); static/js/bookmark.js sends the same form with fetch and gets
JSON, so the star toggles in place."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _

from festa.errors import FestaError, wants_json
from festa.extensions import db
from festa.program.models import Event, Session
from festa.program.queries import published_event_or_404
from festa.registration import attendee, bookmarks
from festa.registration.models import Registration
from festa.tickets.models import Ticket

bp = Blueprint("bookmarks", __name__)


@bp.app_template_global()
def attendee_bookmarks(event: Event) -> set[int] | None:
    """The session ids bookmarked by this browser's attendee of `event`; None when the
    browser holds no manage link for it (pages then show no stars). Call once per page."""
    registration = attendee.remembered(event)
    return None if registration is None else bookmarks.bookmarked_session_ids(registration)


@bp.app_template_global()
def attendee_manage_url(ticket: Ticket) -> str | None:
    """The manage page of the ticket's registration, for the browser that opened its manage
    link; None for anyone who only has the ticket's code."""
    registration = attendee.remembered(ticket.registration.event)
    if registration is None or registration.id != ticket.registration_id:
        return None
    return url_for("registration.manage", token=attendee.remembered_token(ticket.event_id))


def change_bookmark(registration: Registration, session: Session, wanted: bool, back: str):
    """Bookmark (`wanted`) or un-bookmark; JSON {"session_id", "bookmarked"} for fetch, else
    a message and back to `back`. Refusals are FestaErrors (JSON or the error page)."""
    if wanted:
        bookmarks.add_bookmark(registration, session)
    else:
        bookmarks.remove_bookmark(registration, session)
    if wants_json():
        return jsonify(session_id=session.id, bookmarked=wanted)
    flash(_("Bookmarked: the session is in your calendar feed.") if wanted
          else _("The bookmark is removed."), "success")
    return redirect(back)


@bp.post("/events/<slug>/sessions/<int:session_id>/bookmark")
def toggle(slug: str, session_id: int):
    """☆ on a schedule card or a session page: form field `bookmarked` is 1 or 0."""
    event = published_event_or_404(slug)
    session = db.session.get(Session, session_id)
    if session is None or session.event_id != event.id:
        raise FestaError("not_found", _("This session is not part of the event."), status=404)
    registration = attendee.remembered(event)
    if registration is None:
        raise FestaError("no_registration", _("Bookmarks belong to a registration: open the "
                                              "manage link from your e-mail first."), status=403)
    back = request.form.get("next", "")
    if not back.startswith(f"/events/{slug}/"):
        back = url_for("program.session_page", slug=slug, session_id=session.id)
    return change_bookmark(registration, session, request.form.get("bookmarked") == "1", back)
