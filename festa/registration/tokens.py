"""Manage links: a signed, expiring token that lets an attendee manage their registration.

The token (itsdangerous, HMAC with the app's SECRET_KEY and its own salt) carries the
registration id and its `secret_version`. Bumping `secret_version` revokes every link
issued before; a link expires 30 days after the event's last day, and in any case a year
after it was signed.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from festa.dbtypes import utcnow
from festa.errors import FestaError
from festa.extensions import db
from festa.program.queries import absolute_url, event_bounds
from festa.registration.models import Registration

SALT = "festa.registration.manage"
VALID_AFTER_EVENT = timedelta(days=30)
MAX_AGE = timedelta(days=365)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def manage_token(registration: Registration) -> str:
    """A new manage token for this registration."""
    return _serializer().dumps({"r": registration.id, "v": registration.secret_version})


def manage_url(registration: Registration, token: str | None = None) -> str:
    """The absolute self-service link (FESTA_BASE_URL) for mails, pages and the API;
    `token`: the registration's manage token when the caller made one already."""
    return absolute_url(f"/registrations/manage/{token or manage_token(registration)}")


def _invalid() -> FestaError:
    return FestaError("invalid_token", _("This link is not valid (any more)."), status=403)


def _expired() -> FestaError:
    return FestaError("token_expired", _("This link has expired."), status=403)


def registration_for_manage_token(token: str) -> Registration:
    """The registration a manage token belongs to.

    Raises FestaError `invalid_token` (tampered, malformed, revoked by a secret_version
    bump, unknown registration) or `token_expired` (403 both).
    """
    try:
        claims = _serializer().loads(token, max_age=int(MAX_AGE.total_seconds()))
    except SignatureExpired as error:
        raise _expired() from error
    except BadSignature as error:
        raise _invalid() from error
    if not isinstance(claims, dict) or not isinstance(claims.get("r"), int):
        raise _invalid()
    registration = db.session.get(Registration, claims["r"])
    if registration is None or registration.secret_version != claims.get("v"):
        raise _invalid()
    if utcnow() > event_bounds(registration.event)[1] + VALID_AFTER_EVENT:
        raise _expired()
    return registration
