"""Request ids, JSON logs, readiness, metrics and the 503 when the database is away."""

import ast
import json
import logging
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from festa import observability
from festa.extensions import db
from festa.observability import database, health, logs, metrics
from festa.outbox.models import OutboxMessage


def test_request_id_is_generated_and_echoed(client):
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert first and second and first != second


def test_request_id_from_the_proxy_is_kept(client):
    response = client.get("/healthz", headers={"X-Request-ID": "edge-42.abc"})
    assert response.headers["X-Request-ID"] == "edge-42.abc"


def test_unsafe_request_ids_are_replaced(client):
    for bad in ["", "x" * 200, "has space", "<script>", "a\tb"]:
        response = client.get("/healthz", headers={"X-Request-ID": bad})
        assert response.headers["X-Request-ID"] != bad
        assert len(response.headers["X-Request-ID"]) == 32


def test_request_log_is_one_json_object_with_the_request_id(client, caplog):
    caplog.set_level(logging.INFO, logger="festa.request")
    client.get("/no-such-page", headers={"X-Request-ID": "trace-1"})
    records = [r for r in caplog.records if r.name == "festa.request"]
    assert len(records) == 1
    line = json.loads(logs.JsonFormatter().format(records[0]))
    assert line["request_id"] == "trace-1"
    assert line["status"] == 404 and line["method"] == "GET"
    assert line["route"] == "-" and "path" not in line and line["msg"] == "request"
    assert isinstance(line["duration_ms"], float)


def test_json_formatter_keeps_exceptions():
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("festa", logging.ERROR, __file__, 1, "failed %s", ("x",),
                                   sys.exc_info())
    line = json.loads(logs.JsonFormatter().format(record))
    assert line["msg"] == "failed x" and line["level"] == "error"
    assert "ValueError: boom" in line["exc"]


def test_readyz_reports_database_and_migrations(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "database": "ok", "migrations": "head"}


def test_readyz_is_unavailable_when_migrations_are_pending(client, monkeypatch):
    monkeypatch.setattr(health, "migrations_at_head", lambda: False)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["migrations"] == "pending"


def test_metrics_expose_requests_and_festa_counters(client, app):
    client.get("/healthz")
    metrics.count_registration("confirmed")
    metrics.count_scan("already_checked_in")
    db.session.add(OutboxMessage(topic="confirmation", recipient="a@example.com",
                                 payload=b"x"))
    db.session.commit()
    text = client.get("/metrics").get_data(as_text=True)
    assert 'flask_http_request_total{method="GET",status="200"}' in text
    assert 'url_rule="/healthz"' in text
    assert 'festa_registrations_created_total{status="confirmed"}' in text
    assert 'festa_scans_total{mode="online",result="already_checked_in"}' in text
    assert 'festa_outbox_backlog{kind="mail"} 1.0' in text


def test_metrics_paths_use_rules_not_values(client):
    client.get("/tickets/SECRETCODE123")
    text = client.get("/metrics").get_data(as_text=True)
    assert "SECRETCODE123" not in text


def test_metrics_refused_from_public_addresses(client):
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": "93.184.216.34"})
    assert response.status_code == 403


@pytest.mark.app_config(METRICS_TOKEN="scrape-token")
def test_metrics_with_a_token_need_it(client):
    assert client.get("/metrics").status_code == 403
    response = client.get("/metrics", headers={"Authorization": "Bearer scrape-token"})
    assert response.status_code == 200


def test_database_outage_is_a_503_not_a_500(app, client, monkeypatch):
    def down(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", down)
    response = client.get("/api/v1/events")
    assert response.status_code in (200, 503)  # events may use scalars, not execute
    monkeypatch.setattr(db.session, "scalars", down)
    response = client.get("/api/v1/events")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "unavailable"
    assert response.headers["Retry-After"]


def test_schema_state_follows_the_alembic_version(app):
    assert health.schema_state() == "head"
    with db.engine.begin() as conn:
        head = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        conn.execute(sa.text("UPDATE alembic_version SET version_num = 'f00dfeedbeef'"))
    try:
        assert health.schema_state() == "ahead"  # a newer release migrated: still ready
        assert health.migrations_at_head()
        with db.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM alembic_version"))
        assert health.schema_state() == "pending"
        assert not health.migrations_at_head()
    finally:
        with db.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM alembic_version"))
            conn.execute(sa.text("INSERT INTO alembic_version (version_num) VALUES (:v)"),
                         {"v": head})


def _sample(name: str, **labels) -> float:
    return metrics.FESTA_REGISTRY.get_sample_value(name, labels) or 0.0


def test_registrations_scans_and_deliveries_are_counted(client, world, app):
    confirmed = _sample("festa_registrations_created_total", status="confirmed")
    response = client.post(f"/api/v1/events/{world['values']['slug']}/registrations",
                           json={"name": "Kim", "email": "counted@example.com", "consent": True})
    assert response.status_code == 201
    assert _sample("festa_registrations_created_total", status="confirmed") == confirmed + 1

    code = response.get_json()["ticket"]["code"]
    url = f"/api/v1/checkpoints/{world['values']['checkpoint_id']}/scans"
    headers = {"Authorization": f"Bearer {world['tokens']['device']}"}
    ok = _sample("festa_scans_total", result="ok", mode="online")
    again = _sample("festa_scans_total", result="already_checked_in", mode="online")
    for _ in range(2):
        client.post(url, json={"code": code, "client_scan_id": "x1"}, headers=headers)
    client.post(url, json={"code": code}, headers=headers)
    assert _sample("festa_scans_total", result="ok", mode="online") == ok + 1  # replay: once
    assert _sample("festa_scans_total", result="already_checked_in", mode="online") == again + 1

    import socket

    from festa.outbox.services import deliver_due

    with socket.socket() as sock:  # a port nobody listens on: delivery fails, is retried
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app.config["MAIL_SERVER"] = "127.0.0.1"
    app.config["MAIL_PORT"] = port
    app.config["MAIL_TIMEOUT"] = 2
    retries = _sample("festa_outbox_deliveries_total", kind="mail", outcome="retry")
    deliver_due(limit=1)
    assert _sample("festa_outbox_deliveries_total", kind="mail", outcome="retry") == retries + 1


class _FlakyDialect:
    """Refuses `failures` connections (PostgreSQL restarting), then connects."""

    class loaded_dbapi:  # noqa: N801 - mirrors SQLAlchemy's attribute
        class OperationalError(Exception):
            pass

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def connect(self, *args, **kwargs):
        self.calls += 1
        if self.calls <= self.failures:
            raise self.loaded_dbapi.OperationalError("the database system is starting up")
        return "connection"


def test_connections_are_retried_while_the_database_restarts():
    dialect = _FlakyDialect(failures=3)
    connect = database.connect_with_retry(seconds=5)
    assert connect(dialect, None, (), {}) == "connection"
    assert dialect.calls == 4


def test_connection_retries_give_up_after_the_limit():
    dialect = _FlakyDialect(failures=10**6)
    with pytest.raises(dialect.loaded_dbapi.OperationalError):
        database.connect_with_retry(seconds=0.3)(dialect, None, (), {})
    assert 2 <= dialect.calls <= 4


def test_a_closed_connection_is_a_503_too(app, client, monkeypatch):
    def closed(*args, **kwargs):
        raise sa.exc.InterfaceError("SELECT 1", {}, Exception("the connection is closed"))

    monkeypatch.setattr(db.session, "scalars", closed)
    response = client.get("/api/v1/events")
    assert response.status_code == 503


def test_a_connection_lost_at_the_end_of_a_request_does_not_turn_it_into_a_500(
        app, monkeypatch):
    from sqlalchemy.orm import Session

    db.session.execute(sa.text("SELECT 1"))  # the request's session holds a connection
    real_close = Session.close
    calls = []

    def close_on_dead_connection(self):
        calls.append(1)
        if len(calls) == 1:
            raise sa.exc.OperationalError("ROLLBACK", {}, Exception(
                "server closed the connection unexpectedly"))
        return real_close(self)

    monkeypatch.setattr(Session, "close", close_on_dead_connection)
    database.close_session_safely()  # the app's teardown: must not raise
    assert calls and not db.session.registry.has()
    db.session.remove()  # Flask-SQLAlchemy's teardown after it has nothing left to fail
    assert db.session.execute(sa.text("SELECT 1")).scalar() == 1


CORE_MODULES = {"festa.config", "festa.extensions", "festa.errors", "festa.dbtypes",
                "festa.i18n", "festa.jsonlog"}


def _festa_imports(tree: ast.Module) -> list[str]:
    """The festa modules a file imports."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "festa":
            found += [f"festa.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
    return [name for name in found if name.split(".")[0] == "festa"]


def test_observability_imports_only_core_modules_at_the_top():
    package = Path(observability.__file__).parent
    for path in sorted(package.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                inner = [n for n in ast.walk(node) if isinstance(n, ast.Import | ast.ImportFrom)]
                assert not inner, f"{path.name}: import inside {node.name}()"
        for name in _festa_imports(tree):
            assert name in CORE_MODULES or name.startswith("festa.observability"), \
                f"{path.name} imports {name}: observability may use core modules only"


def test_scrape_hooks_set_gauges_and_survive_a_database_outage(app, client, monkeypatch):
    seen = []
    metrics.on_scrape(app, lambda: seen.append("read"))

    def down():
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    metrics.on_scrape(app, down)
    metrics.on_scrape(app, lambda: seen.append("after"))
    response = client.get("/metrics")
    assert response.status_code == 200
    assert seen == ["read", "after"]


def test_a_connection_the_server_ended_while_pooled_is_replaced(app, client, database_url,
                                                                 is_postgres):
    """The server ends every idle connection (as a restart does): the next request gets a
    new connection and its answer, not a 503, although no round trip is spent on a ping
    while the socket is quiet."""
    if not is_postgres:
        pytest.skip("server-side connections: PostgreSQL")
    assert client.get("/readyz").status_code == 200
    db.session.remove()  # as at the end of a request: its connection waits in the pool
    database = sa.engine.make_url(database_url).database
    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            ended = conn.execute(sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :d AND pid <> pg_backend_pid()"), {"d": database}).all()
            assert ended
            for _ in range(100):  # until the server has let them go
                if not conn.execute(sa.text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = :d "
                        "AND pid <> pg_backend_pid()"), {"d": database}).scalar():
                    break
                time.sleep(0.05)
    finally:
        admin.dispose()
    assert client.get("/readyz").status_code == 200
