"""Shared fixtures: a real database (SQLite file or PostgreSQL), the app, clients, a browser.

The schema is built once per test process by running the Alembic migrations, exactly as
production does; every test then starts from empty tables.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
# A fixed Ed25519 seed so signed codes are reproducible inside a run.
os.environ.setdefault("FESTA_SIGNING_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8")
os.environ.setdefault("OUTBOX_WORKER", "false")

import email_validator  # noqa: E402

# Test accounts live under the reserved `.test` domain (RFC 2606), which email-validator
# refuses by default; it documents trimming this list for exactly that purpose.
if "test" in email_validator.SPECIAL_USE_DOMAIN_NAMES:
    email_validator.SPECIAL_USE_DOMAIN_NAMES.remove("test")

from festa import create_app  # noqa: E402
from festa.extensions import db  # noqa: E402
from festa.i18n import compile_catalogs  # noqa: E402
from festa.models import User  # noqa: E402
from tests.factories import make_user  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _database_url() -> str:
    """SQLite in a temp dir by default; with DATABASE_URL, a database per xdist worker."""
    base = os.environ.get("DATABASE_URL")
    if not base:
        path = Path(tempfile.mkdtemp(prefix="festa-test-")) / f"{_worker()}.db"
        return f"sqlite:///{path}"
    if base.startswith("postgresql://"):
        base = "postgresql+psycopg://" + base[len("postgresql://"):]
    url = sa.engine.make_url(base)
    name = f"{url.database}_{_worker()}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
        ), {"n": name})
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url() -> str:
    compile_catalogs()
    url = _database_url()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture(scope="session")
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


def test_config(database_url: str, **overrides) -> dict:
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "OUTBOX_WORKER": False,
        "MAIL_SERVER": None,
        "SERVER_NAME": None,
        "FESTA_BASE_URL": "http://127.0.0.1:5000",
        # Webhook tests deliver to a receiver on 127.0.0.1 over plain http.
        "FESTA_DEV_WEBHOOKS_ALLOW_HTTP": True,
        "FESTA_DEV_WEBHOOKS_ALLOW_PRIVATE": True,
    }
    config.update(overrides)
    return config


def _empty_tables() -> None:
    db.session.remove()
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(sa.text("SET lock_timeout = '10s'"))
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def app(database_url: str, request: pytest.FixtureRequest):
    """The app on the test database, with empty tables. Mark a test with
    `@pytest.mark.app_config(KEY=value)` to change settings."""
    marker = request.node.get_closest_marker("app_config")
    overrides = marker.kwargs if marker else {}
    app = create_app(test_config(database_url, **overrides))
    with app.app_context():
        _empty_tables()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    """Log the test client in as a staff member of a given role."""

    PASSWORD = "correct-horse-battery"

    def __init__(self, client) -> None:
        self._client = client

    def login(self, role: str = "organizer", email: str | None = None):
        email = email or f"{role}@festa.test"
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            user = make_user(email=email, role=role, password=self.PASSWORD)
            db.session.commit()
        response = self._client.post(
            "/login", data={"email": email, "password": self.PASSWORD}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def count_queries(app):
    """`with count_queries() as counter:` … `counter.count` SQL statements issued."""

    class Counter:
        count = 0
        statements: list[str] = []

    @contextmanager
    def counting() -> Iterator[Counter]:
        counter = Counter()
        counter.statements = []

        def before(conn, cursor, statement, parameters, context, executemany):
            counter.count += 1
            counter.statements.append(statement)

        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            sa.event.remove(engine, "before_cursor_execute", before)

    return counting


# ---------------------------------------------------------------- live server and browser


@pytest.fixture
def live_server(app):
    """The app served on 127.0.0.1 (a secure context for camera and WebCrypto)."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    port = server.server_port
    app.config["FESTA_BASE_URL"] = f"http://127.0.0.1:{port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(timeout=5)


CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def playwright_instance():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium package")
    with sync_api.sync_playwright() as pw:
        yield pw


@pytest.fixture
def browser_factory(playwright_instance):
    """Launch Chromium with extra arguments (e.g. a fake camera); closed after the test."""
    browsers = []

    def launch(extra_args: list[str] | None = None):
        browser = playwright_instance.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS + (extra_args or [])
        )
        browsers.append(browser)
        return browser

    yield launch
    for browser in browsers:
        browser.close()


@pytest.fixture
def browser(browser_factory):
    return browser_factory()


@pytest.fixture
def page_factory(browser, request):
    """New pages (phone or desktop); each page's screenshot is kept if the test fails."""
    pages = []

    def new_page(viewport: dict | None = None, **context_args):
        context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900},
                                      **context_args)
        context.set_default_timeout(10_000)
        page = context.new_page()
        pages.append(page)
        return page

    yield new_page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        for index, page in enumerate(pages):
            # A crashed page has nothing to show; the test's own failure is what matters.
            with contextlib.suppress(Exception):
                page.screenshot(path=str(ARTIFACTS / f"{safe}-{index}.png"), full_page=True)


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def pytest_configure(config):
    config.addinivalue_line("markers", "app_config(**settings): settings for the app fixture")


# ---------------------------------------------------------------- a real SMTP server


class SmtpServer:
    """aiosmtpd on 127.0.0.1 (a free port) that keeps every message it accepts.

    `messages` are parsed `EmailMessage`s (policy default), `envelopes` the raw envelopes.
    `stop()` and `start()` again (same port) simulate a mail server that goes away. Recipients
    starting with "reject" are refused permanently (550), "later" temporarily (451).
    """

    def __init__(self, smtputf8: bool = True) -> None:
        import threading

        self.smtputf8 = smtputf8  # advertise SMTPUTF8 (RFC 6531) for 사용자@한국.kr
        self.host = "127.0.0.1"
        self.port = 0
        self.messages: list = []
        self.envelopes: list = []
        self._lock = threading.Lock()
        self._controller = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("reject"):
            return "550 5.1.1 No such user"
        if address.startswith("later"):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import email
        from email.policy import default

        with self._lock:
            self.envelopes.append(envelope)
            self.messages.append(email.message_from_bytes(envelope.content, policy=default))
        return "250 Message accepted for delivery"

    def start(self) -> SmtpServer:
        from aiosmtpd.controller import Controller

        owner = self

        class FreePortController(Controller):
            def _trigger_server(self):
                # Port 0 picks a free port; learn which before aiosmtpd connects to it.
                if self.port == 0:
                    self.port = owner.port = self.server.sockets[0].getsockname()[1]
                return super()._trigger_server()

        self._controller = FreePortController(self, hostname=self.host, port=self.port,
                                              enable_SMTPUTF8=self.smtputf8)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def config(self) -> dict:
        return {"MAIL_SERVER": self.host, "MAIL_PORT": self.port, "MAIL_USE_TLS": False}

    def wait_for(self, count: int, timeout: float = 10.0) -> list:
        """Block until `count` messages arrived (for background delivery); returns them."""
        import time

        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.messages)


@pytest.fixture
def smtp_server(app):
    """A real SMTP server, with the app's MAIL_* settings pointing at it."""
    server = SmtpServer().start()
    app.config.update(server.config())
    yield server
    server.stop()
