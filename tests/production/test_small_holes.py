"""Issue 10, item 6: the smaller holes, each closed and tested.

Open redirects after login, sessions that outlive a logout or a password change, paths in
request logs, unaudited exports, login timing, the pairing link's host, the demo loading
into a real database, and files readable by other accounts."""

from __future__ import annotations

import json
import logging
import os
import re
import stat
from datetime import timedelta
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa
from flask import g
from werkzeug.test import EnvironBuilder

from festa import create_app
from festa.audit.models import AuditEntry
from festa.auth import models as auth_models
from festa.auth.models import User
from festa.auth.views import safe_next
from festa.config import is_production
from festa.core.files import create_private_file, private_dir, write_private
from festa.extensions import db
from festa.jsonlog import GunicornJsonLogger
from festa.observability import logs
from tests import conftest
from tests.checkin.helpers import setup_event
from tests.conftest import AuthActions
from tests.factories import make_event, make_registration, make_user


@pytest.fixture(autouse=True)
def _each_request_loads_its_user(app):
    """Test requests share the test's app context, so Flask-Login's user cached in `g` by
    one browser's request would serve the next browser's too; production has a context
    per request. Forget it before each request, as production does."""
    def forget() -> None:
        g.pop("_login_user", None)

    app.before_request_funcs.setdefault(None, []).insert(0, forget)


# ---------------------------------------------------------------- open redirect


@pytest.mark.parametrize("target", [
    "////evil.example/x", "//evil.example/x", "/\\evil.example/x", "\\\\evil.example",
    "/\t/evil.example/x", "https://evil.example/", "javascript:alert(1)", "evil.example",
    "/%0a/evil", "\x00/x",
])
def test_login_never_redirects_off_site(client, auth, target):
    auth.login("organizer")  # create the account
    auth.logout()
    response = client.post("/login", query_string={"next": target}, data={
        "email": "organizer@festa.test", "password": AuthActions.PASSWORD})
    assert response.status_code == 302
    # Resolved as a browser would (backslashes are slashes, tabs and newlines dropped).
    location = re.sub(r"[\t\r\n]", "", response.headers["Location"]).replace("\\", "/")
    assert urlsplit(urljoin("http://festa.test/login", location)).hostname in (
        "festa.test", "localhost")


def test_same_site_next_is_kept():
    assert safe_next("/manage/events/1?tab=x") == "/manage/events/1?tab=x"
    assert safe_next("/events/행사/") == "/events/행사/"
    assert safe_next("////evil.example/x") is None
    assert safe_next("/\\evil.example") is None


# ---------------------------------------------------------------- sessions end everywhere


def _second_browser(app, email: str):
    other = app.test_client()
    assert other.post("/login", data={"email": email, "password": AuthActions.PASSWORD}
                      ).status_code == 302
    assert other.get("/manage/").status_code == 200
    return other


def test_logout_ends_the_accounts_other_sessions(app, client, auth):
    auth.login("organizer")
    other = _second_browser(app, "organizer@festa.test")
    auth.logout()
    response = other.get("/manage/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_changing_the_password_ends_other_sessions_but_keeps_this_one(app, client, auth):
    user = auth.login("organizer")
    other = _second_browser(app, "organizer@festa.test")
    page = client.get("/account/password")
    assert page.status_code == 200 and 'autocomplete="current-password"' in page.get_data(
        as_text=True)
    wrong = client.post("/account/password", data={
        "current": "not-my-password", "password": "a-new-long-password",
        "confirm": "a-new-long-password"})
    assert wrong.status_code == 422
    done = client.post("/account/password", data={
        "current": AuthActions.PASSWORD, "password": "a-new-long-password",
        "confirm": "a-new-long-password"})
    assert done.status_code == 302
    assert client.get("/manage/").status_code == 200  # this browser stays logged in
    assert other.get("/manage/").status_code == 302  # the other one is logged out
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password("a-new-long-password")
    assert db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "user.change_password")).target_id == user.id


def test_an_admins_password_reset_logs_the_user_out(app, client, auth):
    door = make_user(email="door@festa.test", role="door", password=AuthActions.PASSWORD)
    db.session.commit()
    door_browser = app.test_client()
    door_browser.post("/login", data={"email": "door@festa.test",
                                      "password": AuthActions.PASSWORD})
    assert door_browser.get("/account/password").status_code == 200
    auth.login("admin")
    client.post(f"/manage/staff/{door.id}/password", data={
        "password": "reset-by-the-admin", "confirm": "reset-by-the-admin"})
    assert door_browser.get("/account/password").status_code == 302


def test_a_cookie_without_a_session_version_is_refused(app, client, auth):
    user = auth.login("organizer")
    with client.session_transaction() as sess:
        sess["_user_id"] = str(user.id)  # the format before session versions
    assert client.get("/manage/").status_code == 302


# ---------------------------------------------------------------- logs name the route


def test_request_log_names_the_rule_never_the_path(client, caplog):
    event = make_event()
    registration = make_registration(event)
    db.session.commit()
    caplog.set_level(logging.INFO, logger="festa.request")
    secret = "secret-ticket-code-in-the-path"
    client.get(f"/tickets/{secret}")
    client.get(f"/events/{event.slug}/")
    lines = [record.fields for record in caplog.records if record.name == "festa.request"]
    assert lines[0]["route"] == "/tickets/<code>"
    assert lines[1]["route"] == "/events/<slug>/"
    text = repr(lines)
    assert secret not in text and event.slug not in text and "path" not in lines[0]
    assert registration.email not in text


def test_gunicorn_access_log_reads_the_route_from_the_environ(app):
    environ = EnvironBuilder(path="/tickets/secret-code").get_environ()
    b"".join(app.wsgi_app(environ, lambda status, headers, exc_info=None: None))
    assert environ[logs.ROUTE_ENVIRON_KEY] == "/tickets/<code>"
    written = []
    logger = GunicornJsonLogger.__new__(GunicornJsonLogger)
    logger.cfg = type("Cfg", (), {"accesslog": "-"})()
    logger.access_log = type("Log", (), {"info": staticmethod(written.append)})()
    response = type("Resp", (), {"headers": [], "status_code": 200, "sent": 10})()
    logger.access(response, None, environ, timedelta(milliseconds=3))
    line = json.loads(written[0])
    assert line["route"] == "/tickets/<code>" and "secret-code" not in written[0]


# ---------------------------------------------------------------- exports are audited


@pytest.mark.parametrize(("table", "fmt"), [("attendees", "csv"), ("attendees", "xlsx"),
                                            ("checkins", "csv"), ("checkins", "xlsx")])
def test_personal_data_exports_are_audited(client, auth, table, fmt):
    event = make_event()
    make_registration(event)
    db.session.commit()
    user = auth.login("organizer")
    assert client.get(f"/manage/events/{event.id}/export/{table}.{fmt}").status_code == 200
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == f"export.{table}"))
    assert entry.event_id == event.id and entry.user_id == user.id
    assert entry.details["format"] == fmt


def test_the_programme_export_holds_no_personal_data_and_is_not_audited(client, auth):
    event = make_event()
    db.session.commit()
    auth.login("organizer")
    client.get(f"/manage/events/{event.id}/export/programme.csv")
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.action.like("export.%"))) == 0


# ---------------------------------------------------------------- login timing


def test_unknown_addresses_cost_a_password_hash_like_known_ones(client, auth, monkeypatch):
    auth.login("organizer")
    auth.logout()
    calls = []
    real = auth_models.check_password_hash

    def counting(password_hash, password):
        calls.append(password_hash.split(":", 1)[0])
        return real(password_hash, password)

    monkeypatch.setattr(auth_models, "check_password_hash", counting)
    for email in ("organizer@festa.test", "nobody@festa.test"):
        response = client.post("/login", data={"email": email, "password": "wrong-password"})
        assert response.status_code == 200
    assert len(calls) == 2 and calls[0] == calls[1]  # the same kind of hash, once each


def test_a_deactivated_account_also_costs_a_hash(client, auth, monkeypatch):
    user = auth.login("organizer")
    auth.logout()
    user.active = False
    db.session.commit()
    calls = []
    monkeypatch.setattr(auth_models, "check_password_hash",
                        lambda h, p: calls.append(h) or False)
    client.post("/login", data={"email": user.email, "password": AuthActions.PASSWORD})
    assert len(calls) == 1


# ---------------------------------------------------------------- pairing link


@pytest.mark.app_config(FESTA_BASE_URL="http://festa.seoul.example")
def test_pairing_link_uses_the_base_url_not_the_host_header(client, auth):
    _event, entrance, _tickets = setup_event()
    auth.login("organizer")
    page = client.post(f"/manage/checkpoints/{entrance.id}/devices",
                       data={f"device{entrance.id}-name": "Gate"})
    html = page.get_data(as_text=True)
    assert "localhost/door/pair" not in html  # the test request's own Host
    assert re.search(r"http://festa\.seoul\.example/door/pair/[\w-]+", html)


# ---------------------------------------------------------------- demo


def test_demo_refuses_a_database_with_other_events(runner):
    make_event(slug="real-event")
    db.session.commit()
    result = runner.invoke(args=["festa", "demo"])
    assert result.exit_code != 0 and "real-event" in result.output
    assert "--alongside-other-events" in result.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0
    result = runner.invoke(args=["festa", "demo", "--alongside-other-events"])
    assert result.exit_code == 0, result.output


@pytest.mark.app_config(FESTA_BASE_URL="https://festa.seoul.go.kr")
def test_demo_never_runs_on_a_production_site(runner):
    result = runner.invoke(args=["festa", "demo", "--alongside-other-events"])
    assert result.exit_code != 0 and "production" in result.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_production_means_a_public_https_base_url():
    assert is_production({"FESTA_BASE_URL": "https://festa.seoul.go.kr"})
    assert not is_production({"FESTA_BASE_URL": "http://127.0.0.1:5000"})
    assert not is_production({"FESTA_BASE_URL": "https://localhost:8443"})


# ---------------------------------------------------------------- private files


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_private_files_and_directories_ignore_a_permissive_umask(tmp_path):
    old = os.umask(0o022)
    try:
        cache = private_dir(tmp_path / "cache" / "ab")
        write_private(cache / "file.png", b"data")
        create_private_file(tmp_path / "db" / "festa.db")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "cache") == 0o700 and _mode(cache) == 0o700
    assert _mode(cache / "file.png") == 0o600 and (cache / "file.png").read_bytes() == b"data"
    assert _mode(tmp_path / "db") == 0o700 and _mode(tmp_path / "db" / "festa.db") == 0o600


def test_a_new_sqlite_database_and_the_qr_cache_are_private(database_url, tmp_path):
    old = os.umask(0o022)
    try:
        url = f"sqlite:///{tmp_path / 'data' / 'festa.db'}"
        # SQLite even when the suite runs on PostgreSQL (whose engine options do not fit).
        app = create_app(conftest.test_config(database_url, SQLALCHEMY_DATABASE_URI=url,
                                              SQLALCHEMY_ENGINE_OPTIONS={}))
        with app.app_context():
            db.session.execute(sa.text("CREATE TABLE t (x int)"))
            db.session.commit()
            db.engine.dispose()
        from festa.tickets import qr

        app = create_app(conftest.test_config(database_url))
        app.instance_path = str(tmp_path / "instance")
        with app.app_context():
            qr.qr_png("ABC")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "data" / "festa.db") == 0o600
    assert _mode(tmp_path / "data") == 0o700
    cached = list((tmp_path / "instance" / "qr-cache").rglob("*.png"))
    assert cached and all(_mode(path) == 0o600 for path in cached)
    assert _mode(tmp_path / "instance" / "qr-cache") == 0o700
