"""Staff accounts: creation, password checks, access decorators, bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache, wraps

import sqlalchemy as sa
from flask import abort
from flask_login import current_user
from werkzeug.security import generate_password_hash

from festa.audit.services import record
from festa.auth.models import ApiToken, Role, User, password_matches
from festa.core.transactions import transactional
from festa.dbtypes import utcnow
from festa.extensions import db, login

MIN_PASSWORD_LENGTH = 10
# Like a device's last-seen time: a busy script must not write on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class AccountError(ValueError):
    """A staff account could not be created or changed; `code` is stable for callers."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@login.user_loader
def load_user(session_id: str) -> User | None:
    """The logged-in staff member from the cookie's `<id>.<session version>`.

    A deactivated account, or a cookie from before the account's last logout or password
    change (an older session version), is logged out at its next request."""
    user_id, _dot, version = session_id.partition(".")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def normalize_email(email: str) -> str:
    """How staff addresses are stored and looked up: NFC, stripped, lower-cased."""
    return unicodedata.normalize("NFC", email.strip()).lower()


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            "weak_password", f"Password must be at least {MIN_PASSWORD_LENGTH} characters."
        )


@transactional
def create_user(email: str, password: str, role: str, name: str = "") -> User:
    """Create a staff account."""
    email = normalize_email(email)
    if role not in set(Role):
        raise AccountError("bad_role", f"Unknown role {role!r}.")
    check_password_rules(password)
    if db.session.scalar(sa.select(User.id).where(User.email == email)):
        raise AccountError("email_taken", f"A staff account for {email} exists already.")
    user = User(email=email, role=role, name=name)
    user.set_password(password)
    db.session.add(user)
    return user


@transactional
def create_staff(email: str, password: str, role: str, name: str = "") -> User:
    """An admin creates a staff account (audited)."""
    user = create_user(email, password, role, name=name)
    db.session.flush()
    record("user.create", user, details={"email": user.email, "role": user.role})
    return user


@transactional
def set_active(user: User, active: bool, by: User) -> None:
    """Deactivate (logged out at once, tokens stop working) or reactivate an account.
    Nobody can deactivate themselves: the last admin must not lock everyone out."""
    if not active and user.id == by.id:
        raise AccountError("own_account", "You cannot deactivate your own account.")
    if user.active != active:
        user.active = active
        record("user.activate" if active else "user.deactivate", user)


@transactional
def reset_password(user: User, password: str) -> None:
    """Set a new password chosen by an admin (audited; the password itself is not logged)."""
    check_password_rules(password)
    user.set_password(password)
    user.end_sessions()
    record("user.reset_password", user)


def staff_accounts() -> list[User]:
    """Every staff account: active ones first, then by role and e-mail."""
    return list(db.session.scalars(
        sa.select(User).order_by(User.active.desc(), User.role, User.email)))


@cache
def _dummy_hash() -> str:
    """A hash made like real ones, checked for unknown addresses (see authenticate)."""
    return generate_password_hash(secrets.token_urlsafe(16))


@transactional
def authenticate(email: str, password: str) -> User | None:
    """The active account with this e-mail and password, else None.

    An unknown or deactivated address costs one password hash check too, so the answer's
    timing does not tell which addresses have accounts."""
    user = db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))
    if user is None or not user.active:
        password_matches(_dummy_hash(), password)
        return None
    if not user.check_password(password):
        return None
    user.last_login_at = utcnow()
    return user


@transactional
def change_own_password(user: User, current: str, new: str) -> None:
    """A staff member changes their password; their other sessions end. The caller logs
    this browser in again (its cookie carries the old session version)."""
    if not user.check_password(current):
        raise AccountError("wrong_password", "The current password is not correct.")
    check_password_rules(new)
    user.set_password(new)
    user.end_sessions()
    record("user.change_password", user)


def hash_token(token: str) -> str:
    """Bearer tokens are stored only as SHA-256: a leaked table reveals no usable token."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


@transactional
def create_api_token(user: User, name: str = "") -> str:
    """Issue a personal API token; returns the plain token (shown once)."""
    token = new_token()
    db.session.add(ApiToken(user=user, name=name, token_hash=hash_token(token)))
    return token


def user_for_api_token(token: str) -> User | None:
    row = db.session.scalar(
        sa.select(ApiToken).where(
            ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None)
        )
    )
    if row is None or not row.user.active:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        _note_used(row, now)
    return row.user


@transactional
def _note_used(row: ApiToken, now: datetime) -> None:
    """When a token was last used: an access record, its own short transaction (the one
    kind of write a GET may make), at most once a LAST_USED_RESOLUTION."""
    row.last_used_at = now


@transactional
def end_all_sessions(user: User) -> None:
    """Log the account out everywhere: every browser's login cookie stops working."""
    user.end_sessions()


def staff_required(permission: Callable[[User], bool]) -> Callable:
    """Decorator: log in first (401 → login page), then `permission(user)` or 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login.unauthorized()
            if not permission(current_user):
                abort(403)
            return view(*args, **kwargs)

        # Which permission guards the view: the access tests read it from the url map.
        wrapped.staff_permission = permission.__name__
        return wrapped

    return decorator


organizer_required = staff_required(User.can_manage_programme)
admin_required = staff_required(User.can_manage_staff)
door_required = staff_required(User.can_scan)
