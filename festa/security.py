"""Security for every response: headers and CSP, proxies, cookies, staff session timeout,
and the per-account login throttle.

Settings (environment; tests override them through the app config):

| name | default | meaning |
|---|---|---|
| `FESTA_TRUSTED_PROXIES` | 0 | reverse proxies in front (X-Forwarded-For/-Proto/-Host trusted) |
| `FESTA_STAFF_SESSION_HOURS` | 8 | a staff login ends this long after logging in |
| `FESTA_STAFF_IDLE_MINUTES` | 60 | … or after this long without a request |
| `FESTA_LOGIN_ACCOUNT_LIMIT` | `5 per minute;20 per hour` | failed logins per e-mail address |
"""

from __future__ import annotations

import os
import time

from flask import Flask, current_app, flash, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_login import logout_user, user_logged_in
from itsdangerous import URLSafeTimedSerializer
from werkzeug.middleware.proxy_fix import ProxyFix

# Scripts only from our own origin, never inline. Styles likewise, except `style=`
# attributes: the schedule grid places sessions by data-driven style attributes.
# JSON-LD (<script type="application/ld+json">) is data, not executed, so CSP allows it.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data:",
    "media-src 'self'",
    "connect-src 'self'",
    "worker-src 'self'",
    "font-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    # The door scanner loads a name badge (a PDF fetched with its token) into a frame to print.
    "frame-src 'self' blob:",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
])

# The door scanner needs the camera on our own pages; nothing else needs a device.
PERMISSIONS_POLICY = (
    "camera=(self), microphone=(), geolocation=(), payment=(), usb=(), "
    "interest-cohort=()"
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # Ticket codes and manage tokens travel in paths: never send a path to another site.
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"

SESSION_AUTH_AT = "staff_auth_at"
SESSION_SEEN_AT = "staff_seen_at"
# Refreshing the idle clock rewrites the session cookie; once a minute is precise enough.
_SEEN_RESOLUTION = 60


# (lower-case name, name, value), lowered once rather than at every response.
_SECURITY_HEADERS = tuple((name.lower(), name, value) for name, value in SECURITY_HEADERS.items())


def set_security_headers(response):
    """Add the security headers (HSTS only over HTTPS, where browsers honour it) that the
    response does not set itself."""
    headers = response.headers
    # One look at the names the response has: a lookup in Headers reads the whole list.
    present = {name.lower() for name, _value in headers.items()}
    headers.extend([(name, value) for lower, name, value in _SECURITY_HEADERS
                    if lower not in present])
    environ = request.environ  # `in request.headers` raises and catches a KeyError when absent
    if request.is_secure and "strict-transport-security" not in present:
        headers.add("Strict-Transport-Security", HSTS)
    if "cache-control" not in present and (
        "HTTP_AUTHORIZATION" in environ or session.get("_user_id")
    ):
        # Pages for staff and token holders carry personal data: no shared caches.
        headers.add("Cache-Control", "private, no-store")
    return response


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed session cookie, with its signing serializer made once per set of
    keys rather than at every request (each request opens the session), and no work for
    a request without the cookie whose session stays empty (feeds, scans, most API calls):
    nothing to verify when opening, no cookie settings to read when saving."""

    def open_session(self, app: Flask, request):
        if self.get_cookie_name(app) not in request.cookies \
                and self.get_signing_serializer(app) is not None:
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session, response) -> None:
        if not session and not session.modified:  # no cookie to set, none to delete
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)

    def __init__(self) -> None:
        self._made: tuple[tuple, SignedPerSecond | None] | None = None

    def get_signing_serializer(self, app: Flask) -> SignedPerSecond | None:
        keys = (tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()), app.secret_key)
        made = self._made
        if made is None or made[0] != keys:
            serializer = super().get_signing_serializer(app)
            made = self._made = (keys, serializer and SignedPerSecond(serializer))
        return made[1]


class SignedPerSecond:
    """A session serializer that signs the same plain session once per second. The
    signature's timestamp counts whole seconds, so within one second the same content
    signs to the same bytes; visitors choosing a language (`?lang=`, remembered in the
    session) carry one of a few such sessions, and each of their requests signed it anew."""

    _PLAIN = (str, int, float, bool, type(None))
    _MAX_KEPT = 256  # per second

    def __init__(self, serializer: URLSafeTimedSerializer) -> None:
        self._serializer = serializer
        self._second = 0
        self._signed: dict[str, str] = {}

    def loads(self, *args, **kwargs):
        return self._serializer.loads(*args, **kwargs)

    def dumps(self, obj: dict) -> str:
        if not all(type(value) in self._PLAIN for value in obj.values()):
            return self._serializer.dumps(obj)
        key = repr(obj)  # tells False from 0 and "1" from 1, unlike the values themselves
        now = int(time.time())
        if now != self._second:
            self._second, self._signed = now, {}
        signed = self._signed.get(key)
        if signed is None:
            signed = self._serializer.dumps(obj)
            if len(self._signed) < self._MAX_KEPT:
                self._signed[key] = signed
        return signed


def _stamp_login(sender, user, **extra) -> None:
    now = int(time.time())
    session[SESSION_AUTH_AT] = now
    session[SESSION_SEEN_AT] = now


def staff_session_expired(auth_at: int, seen_at: int, now: int, *, max_age: int,
                          idle: int) -> bool:
    """Whether a staff login is over: too long since logging in, or idle too long."""
    return now - auth_at >= max_age or now - seen_at >= idle


def enforce_staff_session_timeout() -> None:
    """End staff logins that are too old or idle; the next protected page asks to log in."""
    if "_user_id" not in session:
        return
    now = int(time.time())
    auth_at = session.get(SESSION_AUTH_AT)
    seen_at = session.get(SESSION_SEEN_AT)
    if not isinstance(auth_at, int) or not isinstance(seen_at, int):
        # Logged in before the timeout existed: start counting now.
        auth_at = seen_at = now
        session[SESSION_AUTH_AT] = auth_at
    config = current_app.config
    if staff_session_expired(auth_at, seen_at, now, max_age=config["STAFF_SESSION_MAX_AGE"],
                             idle=config["STAFF_SESSION_IDLE"]):
        logout_user()
        session.pop(SESSION_AUTH_AT, None)
        session.pop(SESSION_SEEN_AT, None)
        if not request.path.startswith("/api/"):
            flash(_("Your session has ended. Please log in again."), "info")
        return
    if now - seen_at >= _SEEN_RESOLUTION or SESSION_SEEN_AT not in session:
        session[SESSION_SEEN_AT] = now


def _configure(app: Flask) -> None:
    env = os.environ
    base_url = app.config.get("FESTA_BASE_URL", "")
    if base_url.startswith("https://"):
        # Served over HTTPS: the cookies must never travel over plain HTTP.
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    app.config.setdefault(
        "STAFF_SESSION_MAX_AGE", int(float(env.get("FESTA_STAFF_SESSION_HOURS") or 8) * 3600)
    )
    app.config.setdefault(
        "STAFF_SESSION_IDLE", int(float(env.get("FESTA_STAFF_IDLE_MINUTES") or 60) * 60)
    )
    app.config.setdefault(
        "LOGIN_ACCOUNT_LIMIT", env.get("FESTA_LOGIN_ACCOUNT_LIMIT") or "5 per minute;20 per hour"
    )
    app.config.setdefault("TRUSTED_PROXIES", int(env.get("FESTA_TRUSTED_PROXIES") or 0))


def init_app(app: Flask) -> None:
    """Headers on every response, proxy handling, secure cookies, staff session timeout."""
    _configure(app)
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        # Only as many hops as there are proxies of ours: a client cannot forge its IP.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.session_interface = SessionCookies()
    user_logged_in.connect(_stamp_login, app)
    app.before_request(enforce_staff_session_timeout)
    app.after_request(set_security_headers)

