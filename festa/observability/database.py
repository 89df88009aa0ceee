"""Riding out a database restart: new connections are retried for a few seconds, requests
caught in the outage get a 503 with Retry-After (not a 500), and a connection that died
under a request does not turn its answer into an error at teardown."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask, current_app, render_template

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


def init_app(app: Flask) -> None:
    """503 on a database outage, connection retries, and the safe session teardown."""
    app.register_error_handler(sa.exc.DBAPIError, handle_database_down)
    _retry_connections(app)
    app.teardown_appcontext(close_session_safely)  # runs before Flask-SQLAlchemy's
