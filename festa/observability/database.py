"""Riding out a database restart: new connections are retried for a few seconds, requests
caught in the outage get a 503 with Retry-After (not a 500), a connection that died while
waiting in the pool is replaced before use (pre-ping), and a connection that died under a
request does not turn its answer into an error at teardown."""

from __future__ import annotations

import contextlib
import select
import time
from collections.abc import Callable

import psycopg
import sqlalchemy as sa
from flask import Flask, current_app, render_template
from psycopg import pq

from festa.errors import error_body, handle_unexpected, page_message, wants_json
from festa.extensions import db


def handle_database_down(error: sa.exc.DBAPIError):
    """The database is unreachable (restart, failover) or asked us to retry: 503, not 500.

    Requests caught in the outage get an honest "try again"; pool_pre_ping replaces the
    dead connections so the next requests succeed once PostgreSQL is back."""
    if not isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError) \
            and not error.connection_invalidated:
        return handle_unexpected(error)
    with contextlib.suppress(sa.exc.SQLAlchemyError):
        db.session.rollback()  # on a dead connection the rollback itself may fail
    current_app.logger.warning("database unavailable: %s", str(error.orig)[:200])
    headers = {"Retry-After": "2"}
    if wants_json():
        return error_body("unavailable", "The database is not available; try again."), 503, headers
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


def connect_with_retry(seconds: float) -> Callable:
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
                sa.event.listen(engine, "do_connect", connect_with_retry(seconds))


def quiet(connection) -> bool:
    """Whether an idle psycopg connection is surely alive without asking the server: it is
    idle and nothing arrived on its socket. A server that ends a connection (restart,
    pg_terminate_backend, a crash: the kernel closes the socket) sends its goodbye or the
    close, which makes the socket readable; so does a notice, which the full ping reads."""
    pgconn = connection.pgconn
    if pgconn.status != pq.ConnStatus.OK or pgconn.transaction_status != pq.TransactionStatus.IDLE:
        return False
    try:
        poller = select.poll()
        poller.register(pgconn.socket, select.POLLIN | select.POLLPRI)
    except (OSError, ValueError, psycopg.Error):  # no socket any more
        return False
    return not poller.poll(0)


def ping_only_when_needed(engine: sa.Engine) -> None:
    """pool_pre_ping without a round trip per checkout: the server is asked (SELECT 1, and
    everything pre-ping does when it fails: the pool invalidated, a new connection) only
    when the socket says something happened. A request pays one round trip less."""
    dialect = engine.dialect
    full_ping = dialect.do_ping

    def do_ping(dbapi_connection) -> bool:
        return quiet(dbapi_connection) or full_ping(dbapi_connection)

    dialect.do_ping = do_ping


def _ping_only_when_needed(app: Flask) -> None:
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg":
                ping_only_when_needed(engine)


def init_app(app: Flask) -> None:
    """503 on a database outage, connection retries, and the safe session teardown."""
    app.register_error_handler(sa.exc.DBAPIError, handle_database_down)
    _retry_connections(app)
    _ping_only_when_needed(app)
    app.teardown_appcontext(close_session_safely)  # runs before Flask-SQLAlchemy's
