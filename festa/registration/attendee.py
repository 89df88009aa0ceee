"""The attendee this browser belongs to, per event: remembered when they open their manage
link (or the confirmation page), so the public schedule can offer ☆ bookmarks without the
link in every URL. Kept in the signed, HTTP-only session cookie; a link that stops working
(expired, cancelled, data deleted) is simply not used."""

from __future__ import annotations

from flask import session as cookie

from festa.errors import FestaError
from festa.extensions import db
from festa.program.models import Event
from festa.registration.models import Registration, RegistrationStatus
from festa.registration.tokens import registration_for_manage_token

KEY = "attendee_links"


def remember(registration: Registration, token: str) -> None:
    """This browser holds the manage link of `registration` (one per event)."""
    links = dict(cookie.get(KEY) or {})
    if links.get(str(registration.event_id)) != token:
        links[str(registration.event_id)] = token
        cookie[KEY] = links


def remembered_token(event_id: int) -> str | None:
    """The manage token this browser opened for the event, as it was stored."""
    return (cookie.get(KEY) or {}).get(str(event_id))


def remembered(event: Event) -> Registration | None:
    """The active registration for `event` whose manage link this browser opened, if any."""
    token = remembered_token(event.id)
    if not token:
        return None
    try:
        registration = registration_for_manage_token(token)
    except FestaError:
        return None
    if (registration.event_id != event.id or registration.status == RegistrationStatus.CANCELLED
            or registration.anonymized_at is not None):
        return None
    return registration


def browses_as_attendee(event_id: int) -> bool:
    """Whether this browser holds an active manage link for the event (its schedule page
    then shows ☆ stars, so it is not the shared cached one). Read from the cookie first:
    the database only for a browser that holds a link."""
    if not remembered_token(event_id):
        return False
    event = db.session.get(Event, event_id)
    return event is not None and remembered(event) is not None
