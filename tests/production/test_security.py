"""Security headers on every response, cookies, staff session timeout, login throttling."""

import time

import pytest

from festa import security
from festa.extensions import db, limiter
from festa.security import SESSION_AUTH_AT, SESSION_SEEN_AT
from tests.factories import make_user

PAGES = ["/", "/login", "/healthz", "/api/v1/events", "/no-such-page", "/api/v1/nothing"]


def test_every_response_has_the_security_headers(client):
    for path in PAGES:
        _check_headers(client.get(path).headers)


def _check_headers(headers) -> None:
    csp = headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'",
                      "style-src-attr 'unsafe-inline'", "img-src 'self' data:",
                      "frame-ancestors 'none'", "base-uri 'self'", "form-action 'self'",
                      "worker-src 'self'", "connect-src 'self'", "object-src 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp.split("style-src-attr")[0]  # no inline scripts/styles
    assert "unsafe-eval" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "camera=(self)" in headers["Permissions-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in headers  # plain HTTP: HSTS would be ignored


def test_hsts_over_https(client):
    response = client.get("/", base_url="https://festa.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.app_config(TRUSTED_PROXIES=1)
def test_hsts_behind_a_trusted_tls_proxy(client):
    response = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in response.headers


def test_forwarded_proto_is_ignored_without_a_trusted_proxy(client):
    response = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.app_config(FESTA_BASE_URL="https://festa.example")
def test_session_cookie_is_secure_behind_https(app, client, auth):
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = client.post("/login", data={"email": "x@festa.test", "password": "nope"},
                           base_url="https://festa.example")
    cookie = response.headers.get("Set-Cookie", "")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_cookie_not_forced_secure_on_plain_http(app):
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_staff_pages_are_not_cached(client, auth):
    auth.login("organizer")
    assert client.get("/manage/").headers["Cache-Control"] == "private, no-store"


# ---------------------------------------------------------------- staff session timeout


def test_staff_session_expiry_rules():
    hour = 3600
    assert not security.staff_session_expired(0, 0, 10, max_age=8 * hour, idle=hour)
    assert security.staff_session_expired(0, 0, hour, max_age=8 * hour, idle=hour)
    assert not security.staff_session_expired(0, 7 * hour, 7 * hour + 10, max_age=8 * hour,
                                              idle=hour)
    assert security.staff_session_expired(0, 8 * hour - 1, 8 * hour, max_age=8 * hour, idle=hour)


def _age_session(client, auth_ago: int, seen_ago: int) -> None:
    now = int(time.time())
    with client.session_transaction() as sess:
        sess[SESSION_AUTH_AT] = now - auth_ago
        sess[SESSION_SEEN_AT] = now - seen_ago


def test_active_staff_session_stays(client, auth):
    auth.login("organizer")
    _age_session(client, auth_ago=3 * 3600, seen_ago=120)
    assert client.get("/manage/").status_code == 200
    with client.session_transaction() as sess:
        assert int(time.time()) - sess[SESSION_SEEN_AT] < 5  # the idle clock was reset


def test_idle_staff_session_ends(client, auth):
    auth.login("organizer")
    _age_session(client, auth_ago=2 * 3600, seen_ago=61 * 60)
    response = client.get("/manage/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_staff_session_ends_after_the_absolute_limit(client, auth):
    auth.login("organizer")
    _age_session(client, auth_ago=8 * 3600 + 1, seen_ago=10)
    response = client.get("/manage/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.app_config(STAFF_SESSION_IDLE=5 * 60)
def test_idle_limit_is_configurable(client, auth):
    auth.login("organizer")
    _age_session(client, auth_ago=400, seen_ago=301)
    assert client.get("/manage/").status_code == 302


# ---------------------------------------------------------------- login throttling


def _try_login(client, email: str, password: str, ip: str):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


@pytest.mark.app_config(RATELIMIT_ENABLED=True, LOGIN_ACCOUNT_LIMIT="3 per minute")
def test_failed_logins_are_throttled_per_account_across_addresses(client, auth):
    limiter.reset()
    make_user(email="victim@festa.test", password=auth.PASSWORD)
    make_user(email="other@festa.test", password=auth.PASSWORD)
    db.session.commit()
    for n in range(3):
        assert _try_login(client, "victim@festa.test", "wrong", f"10.0.0.{n}").status_code == 200
    # A fourth guess from yet another address is refused: the account is throttled.
    assert _try_login(client, "Victim@festa.test ", "wrong", "10.0.1.1").status_code == 429
    # Other accounts are not affected.
    assert _try_login(client, "other@festa.test", auth.PASSWORD, "10.0.1.2").status_code == 302


@pytest.mark.app_config(RATELIMIT_ENABLED=True, LOGIN_ACCOUNT_LIMIT="2 per minute")
def test_successful_logins_do_not_count_against_the_account(client, auth):
    limiter.reset()
    make_user(email="busy@festa.test", password=auth.PASSWORD)
    db.session.commit()
    for n in range(4):
        assert _try_login(client, "busy@festa.test", auth.PASSWORD, f"10.0.2.{n}") \
            .status_code == 302
        auth.logout()


def test_a_failed_login_comes_back_with_an_error_summary_in_the_title(client, auth):
    make_user(email="summary@festa.test", password=auth.PASSWORD)
    db.session.commit()
    page = client.post("/login?lang=en", data={"email": "summary@festa.test",
                                               "password": "wrong"}).get_data(as_text=True)
    assert 'class="error-summary"' in page
    assert "<title>1 error — " in page
