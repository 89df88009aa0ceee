"""Who is calling the API: `Authorization: Bearer <token>` or a logged-in staff session.

A bearer token is one of three kinds (shared/CONTRACT.md): a personal API token
(organizers), a device token (door scanners, resolved by festa.checkin) or a
registration's manage token (attendees, resolved by festa.registration).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import sqlalchemy as sa
from flask import g, request
from flask_login import current_user

from festa.auth.models import User
from festa.auth.services import user_for_api_token
from festa.errors import FestaError
from festa.extensions import db
from festa.program.models import Event


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def organizer_or_none() -> User | None:
    """The organizer behind this request (personal token or staff login), if any."""
    token = bearer_token()
    if token:
        user = user_for_api_token(token)
    elif current_user.is_authenticated:
        user = current_user._get_current_object()
    else:
        user = None
    if user is not None and user.can_manage_programme():
        return user
    return None


def require_organizer() -> User:
    user = organizer_or_none()
    if user is None:
        if bearer_token() or current_user.is_authenticated:
            raise FestaError("forbidden", "This needs an organizer's token.", status=403)
        raise FestaError("unauthorized", "Send an organizer's token as "
                         "'Authorization: Bearer <token>'.", status=401)
    return user


def organizer_first(view: Callable) -> Callable:
    """Refuse non-organizers (401/403), and organizers of another event than the URL's
    `slug` (404), before the body is parsed, so nobody learns the body's rules without the
    right to use the endpoint; the view finds the user in `g.api_organizer`. Place it under
    the route decorator, above `arguments`."""

    @functools.wraps(view)
    def checked(*args, **kwargs):
        g.api_organizer = require_organizer()
        if "slug" in kwargs:
            event_id = db.session.scalar(sa.select(Event.id).where(Event.slug == kwargs["slug"]))
            if event_id is not None:
                require_team(g.api_organizer, event_id)
        return view(*args, **kwargs)

    return checked


def require_team(user: User, event_id: int, what: str = "event") -> None:
    """An event not on the user's teams is answered as if it did not exist (404)."""
    if not user.is_on_team(event_id):
        raise FestaError("not_found", f"No such {what}.", status=404)
