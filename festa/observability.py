"""Running it in production: JSON logs with a request id, health and readiness, metrics.

Other areas count what happens with the small functions below — they never fail and
never need an app:

    from festa import observability
    observability.count_registration("confirmed")      # or "waitlisted"
    observability.count_scan("ok", mode="online")        # a scan result of the contract
    observability.count_delivery("mail", "sent")        # outbox: "sent", "retry", "failed"

`/metrics` (Prometheus) sums them over every gunicorn worker (PROMETHEUS_MULTIPROC_DIR,
set by gunicorn.conf.py); the outbox backlog gauge is read from the database at scrape time.
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import logging
import os
import re
import sys
import time
import uuid
from functools import wraps

import sqlalchemy as sa
from flask import Blueprint, Flask, abort, current_app, g, has_request_context, jsonify, request
from prometheus_client import CollectorRegistry, Counter, Gauge

from festa import jsonlog
from festa.extensions import db

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")
request_log = logging.getLogger("festa.request")

# ---------------------------------------------------------------- metrics other areas call

# Our own metrics live in one registry, added to each app's exporter registry.
FESTA_REGISTRY = CollectorRegistry(auto_describe=True)
REGISTRATIONS = Counter(
    "festa_registrations_created_total", "Registrations created, by resulting status",
    ["status"], registry=FESTA_REGISTRY,
)
SCANS = Counter(
    "festa_scans_total", "Ticket scans by result (ok, already_checked_in, invalid, …) and mode",
    ["result", "mode"], registry=FESTA_REGISTRY,
)
DELIVERIES = Counter(
    "festa_outbox_deliveries_total", "Outbox delivery attempts by kind and outcome",
    ["kind", "outcome"], registry=FESTA_REGISTRY,
)
OUTBOX_BACKLOG = Gauge(
    "festa_outbox_backlog", "Outbox messages waiting to be delivered, by kind",
    ["kind"], registry=FESTA_REGISTRY, multiprocess_mode="mostrecent",
)


def count_registration(status: str = "confirmed") -> None:
    """One registration was created (call after the commit succeeded)."""
    REGISTRATIONS.labels(status=str(status)).inc()


def count_scan(result: str, mode: str = "online") -> None:
    """One scan was decided with `result` (a ScanResult value); mode "online" or "offline"."""
    SCANS.labels(result=str(result), mode=str(mode)).inc()


def count_delivery(kind: str, outcome: str) -> None:
    """One outbox delivery attempt: kind "mail"/"webhook", outcome "sent"/"retry"/"failed"."""
    DELIVERIES.labels(kind=str(kind), outcome=str(outcome)).inc()


def update_outbox_backlog() -> dict[str, int]:
    """Read the pending outbox messages per kind into the backlog gauge."""
    from festa.outbox.models import OutboxKind, OutboxMessage, OutboxStatus

    rows = db.session.execute(
        sa.select(OutboxMessage.kind, sa.func.count())
        .where(OutboxMessage.status == OutboxStatus.PENDING)
        .group_by(OutboxMessage.kind)
    ).all()
    counts = {str(kind): 0 for kind in OutboxKind} | {kind: n for kind, n in rows}
    for kind, n in counts.items():
        OUTBOX_BACKLOG.labels(kind=kind).set(n)
    return counts


# ---------------------------------------------------------------- structured logs


def current_request_id() -> str | None:
    if has_request_context():
        return g.get("request_id")
    return None


class JsonFormatter(jsonlog.JsonFormatter):
    """JSON lines that carry the current request's id."""

    def request_id(self, record: logging.LogRecord) -> str | None:
        return getattr(record, "request_id", None) or current_request_id()


def configure_logging(app: Flask) -> None:
    """JSON lines on stdout for the app's loggers ("festa", "festa.request", …).

    Under pytest the handler is left out so pytest's capture (caplog) sees the records."""
    logger = logging.getLogger("festa")
    if app.testing or any(getattr(h, "festa_json", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    handler.festa_json = True
    logger.addHandler(handler)
    logger.setLevel(os.environ.get("FESTA_LOG_LEVEL", "INFO").upper())
    logger.propagate = False


def _start_request() -> None:
    """Take the caller's X-Request-ID (a proxy's) when it is sane, else make one."""
    asked = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = asked if _REQUEST_ID.match(asked) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish_request(response):
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers[REQUEST_ID_HEADER] = request_id
    if current_app.config.get("FESTA_REQUEST_LOG", True):
        started = g.get("request_started")
        duration = (time.perf_counter() - started) * 1000 if started else None
        request_log.info("request", extra={"request_id": request_id, "fields": {
            "method": request.method,
            "path": request.path,
            "endpoint": request.endpoint,
            "status": response.status_code,
            "duration_ms": round(duration, 2) if duration is not None else None,
            "remote_addr": request.remote_addr,
            "user_agent": request.user_agent.string[:200],
        }})
    return response


def handle_database_down(error: sa.exc.DBAPIError):
    """The database is unreachable (restart, failover) or asked us to retry: 503, not 500.

    Requests caught in the outage get an honest "try again"; pool_pre_ping replaces the
    dead connections so the next requests succeed once PostgreSQL is back."""
    from festa.errors import error_body, handle_unexpected, page_message, wants_json

    if not isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError) \
            and not error.connection_invalidated:
        return handle_unexpected(error)
    with contextlib.suppress(sa.exc.SQLAlchemyError):
        db.session.rollback()  # on a dead connection the rollback itself may fail
    current_app.logger.warning("database unavailable: %s", str(error.orig)[:200])
    headers = {"Retry-After": "2"}
    if wants_json():
        return error_body("unavailable", "The database is not available; try again."), 503, headers
    from flask import render_template

    title, text = page_message(503)
    return render_template("errors/error.html", status=503, title=title, text=text), 503, headers


def close_session_safely(error: BaseException | None = None) -> None:
    """End the request's database session even when its connection died under it.

    Runs before Flask-SQLAlchemy's own teardown: that one's rollback on a connection the
    server closed would raise after the response was made, and gunicorn would turn the
    answer — perhaps a committed 201 — into a 500. The dead connection is invalidated (the
    pool replaces it) and the session forgotten."""
    try:
        db.session.remove()
    except sa.exc.DBAPIError:
        with contextlib.suppress(Exception):
            db.session.invalidate()
        db.session.registry.clear()


def _connect_with_retry(seconds: float):
    """A `do_connect` hook: while PostgreSQL restarts, new connections are retried for a few
    seconds instead of failing the request at once. Connecting is idempotent (nothing ran
    yet), so only requests whose transaction was in flight when the server went away fail."""

    def connect(dialect, conn_rec, cargs, cparams):
        deadline = time.monotonic() + seconds
        delay = 0.1
        while True:
            try:
                return dialect.connect(*cargs, **cparams)
            except dialect.loaded_dbapi.OperationalError:
                if time.monotonic() + delay > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 1.0)

    return connect


def _retry_connections(app: Flask) -> None:
    seconds = float(app.config.get("DB_CONNECT_RETRY_SECONDS", 0) or 0)
    if seconds <= 0:
        return
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "postgresql":
                sa.event.listen(engine, "do_connect", _connect_with_retry(seconds))


# ---------------------------------------------------------------- health, readiness, metrics

bp = Blueprint("observability", __name__)


def schema_state() -> str:
    """"head" when the database is at this code's newest migration, "pending" when it is
    behind (run `flask db upgrade`), "ahead" when a newer release already migrated it."""
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    cache = current_app.extensions.setdefault("festa_observability", {})
    if "script" not in cache:
        migrate_ext = current_app.extensions["migrate"]
        config = migrate_ext.migrate.get_config(migrate_ext.directory)
        cache["script"] = ScriptDirectory.from_config(config)
    script = cache["script"]
    with db.engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    if current == set(script.get_heads()):
        return "head"
    try:
        for revision in current:
            script.get_revision(revision)
    except CommandError:
        return "ahead"  # a revision this code does not know: the schema is newer
    return "pending"


def migrations_at_head() -> bool:
    """Whether this code can serve the schema: at its newest migration, or already past it
    (during a rolling deploy the previous release keeps serving after the migration)."""
    return schema_state() in ("head", "ahead")


@bp.get("/readyz")
def readyz():
    """Readiness: the database answers and its schema is at the newest migration."""
    try:
        db.session.execute(sa.text("SELECT 1"))
        at_head = migrations_at_head()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="down"), 503
    if not at_head:
        return jsonify(status="unavailable", database="ok", migrations="pending"), 503
    return jsonify(status="ready", database="ok", migrations="head")


def _metrics_allowed() -> bool:
    """With METRICS_TOKEN set, only `Bearer <token>`; without, only private addresses
    (the scraper on the host or the cluster network, never the public side of the proxy)."""
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(sent.encode(), token.encode())
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return address.is_loopback or address.is_private


def _metrics_endpoint(view):
    @wraps(view)
    def guarded(*args, **kwargs):
        if not _metrics_allowed():
            abort(403)
        try:
            update_outbox_backlog()
        except sa.exc.SQLAlchemyError:
            db.session.rollback()  # metrics still answer while the database is away
        return view(*args, **kwargs)

    return guarded


def _init_metrics(app: Flask) -> None:
    from prometheus_flask_exporter import PrometheusMetrics
    from prometheus_flask_exporter.multiprocess import GunicornInternalPrometheusMetrics

    registry = CollectorRegistry()
    # A registry per app (tests build many apps); the path label is the URL rule, so ticket
    # codes and tokens in paths never become label values.
    options = dict(
        registry=registry, group_by="url_rule", metrics_decorator=_metrics_endpoint,
        excluded_paths=["/static/", "/metrics"],
    )
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        metrics = GunicornInternalPrometheusMetrics(app, path="/metrics", **options)
    else:
        # One process: our counters are added to this app's registry directly.
        registry.register(FESTA_REGISTRY)
        metrics = PrometheusMetrics(app, path="/metrics", **options)
    app.extensions["festa_metrics"] = metrics


def init_app(app: Flask) -> None:
    """Request ids and logs, /readyz, /metrics; riding out a database restart (connections
    retried for DB_CONNECT_RETRY_SECONDS, then 503 rather than 500)."""
    app.config.setdefault(
        "FESTA_REQUEST_LOG", os.environ.get("FESTA_REQUEST_LOG", "true").lower() != "false"
    )
    app.config.setdefault("METRICS_TOKEN", os.environ.get("METRICS_TOKEN") or None)
    app.config.setdefault("DB_CONNECT_RETRY_SECONDS",
                          float(os.environ.get("DB_CONNECT_RETRY_SECONDS") or 5))
    configure_logging(app)
    # First of all before_request hooks: even a request refused early gets its id.
    app.before_request_funcs.setdefault(None, []).insert(0, _start_request)
    app.after_request(_finish_request)
    app.register_error_handler(sa.exc.DBAPIError, handle_database_down)
    _retry_connections(app)
    app.teardown_appcontext(close_session_safely)  # runs before Flask-SQLAlchemy's
    app.register_blueprint(bp)
    _init_metrics(app)
