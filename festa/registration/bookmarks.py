"""Bookmarks: sessions an attendee marks for their personal agenda feed
(festa.opendata.calendars.agenda_ics lists them next to the reserved ones).

A bookmark reserves nothing and counts no seat: any session of the registration's own
event can be bookmarked, by a registration that is still active. Adding and removing are
idempotent, and each call is its own transaction (it commits).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from festa.errors import FestaError
from festa.extensions import db
from festa.program.models import Session
from festa.registration.models import Bookmark, Registration, RegistrationStatus
from festa.registration.rules import not_active


def _own_session(registration: Registration, session: Session) -> None:
    if session.event_id != registration.event_id:
        raise FestaError("wrong_event", _("This session is not part of your event."),
                         status=404)


def add_bookmark(registration: Registration, session: Session) -> None:
    """Bookmark a session of the registration's event; bookmarked already: nothing changes.

    Raises FestaError `wrong_event` (404, another event's session), `session_cancelled`
    (409) or `registration_cancelled` (409; anonymised registrations count as cancelled).
    """
    _own_session(registration, session)
    if (registration.status == RegistrationStatus.CANCELLED
            or registration.anonymized_at is not None):
        raise not_active()
    if session.cancelled:
        raise FestaError("session_cancelled", _("This session has been cancelled."),
                         status=409)
    if session.id in bookmarked_session_ids(registration):
        return
    db.session.add(Bookmark(registration_id=registration.id, session_id=session.id))
    try:
        db.session.commit()
    except sa.exc.IntegrityError:  # the same bookmark, added by a request running alongside
        db.session.rollback()


def remove_bookmark(registration: Registration, session: Session) -> None:
    """Remove a bookmark (none there: nothing changes). Raises `wrong_event` as above."""
    _own_session(registration, session)
    db.session.execute(sa.delete(Bookmark).where(
        Bookmark.registration_id == registration.id, Bookmark.session_id == session.id))
    db.session.commit()


def bookmarked_session_ids(registration: Registration) -> set[int]:
    """The ids of the sessions this registration bookmarked."""
    return set(db.session.scalars(
        sa.select(Bookmark.session_id).where(Bookmark.registration_id == registration.id)))
