"""Rate limits of the login form: per address tried as well as per IP (Flask-Limiter)."""

from __future__ import annotations

from flask import current_app, request

from festa.auth.services import normalize_email


def login_account_key() -> str:
    """Rate-limit key for the login form: the e-mail address being tried, whatever the IP,
    so a password guesser spread over many addresses still gets throttled per account."""
    return "login-account:" + normalize_email(request.form.get("email", ""))[:254]


def login_account_limit() -> str:
    return current_app.config["LOGIN_ACCOUNT_LIMIT"]


def failed_login(response) -> bool:
    """A login attempt counts against the account only when it failed (form shown again)."""
    return request.method == "POST" and response.status_code == 200
