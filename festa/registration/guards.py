"""Registration's say in changes made below it: an event people registered for stays."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask_babel import gettext as _

from festa import signals
from festa.errors import FestaError
from festa.extensions import db
from festa.registration.models import Registration


def refuse_deleting_registered_event(event, **_data) -> list:
    """`event_deleting`: once people registered, the event cannot be deleted."""
    registered = db.session.scalar(
        sa.select(sa.func.count(Registration.id)).where(Registration.event_id == event.id))
    if registered:
        raise FestaError("event_has_registrations",
                         _("%(count)d people registered for this event; it cannot be deleted. "
                           "Unpublish it instead.", count=registered), status=409)
    return []


def init_app(app: Flask) -> None:
    """Listen (festa.signals; connecting twice changes nothing)."""
    signals.event_deleting.connect(refuse_deleting_registered_event)
