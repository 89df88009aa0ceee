"""Every request gets an id (the proxy's X-Request-ID when it is sane), echoed in the
response and written in every JSON log line; one log line per request.

Request lines name the route's rule (`/tickets/<code>`), never the path: paths carry ticket
codes, manage, agenda and pairing tokens, which must not end up in log files. The rule is
also left in the WSGI environ (ROUTE_ENVIRON_KEY) for gunicorn's access log."""

from __future__ import annotations

import logging
import os
import re
import sys
import time

from flask import Flask, Response, current_app, g, has_request_context, request

from festa import jsonlog

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_ENVIRON = "HTTP_X_REQUEST_ID"
ROUTE_ENVIRON_KEY = "festa.route"
UNMATCHED_ROUTE = "-"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")
request_log = logging.getLogger("festa.request")


def current_request_id() -> str | None:
    """The id of the request being served, or None outside a request."""
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


def new_request_id() -> str:
    """32 random hex digits (as uuid4().hex, at a third of its cost)."""
    return os.urandom(16).hex()


def _start_request() -> None:
    """Take the caller's X-Request-ID (a proxy's) when it is sane, else make one."""
    # From the environ: a header lookup raises and catches a KeyError when it is absent.
    asked = request.environ.get(_REQUEST_ID_ENVIRON, "")
    g.request_id = asked if _REQUEST_ID.match(asked) else new_request_id()
    g.request_started = time.perf_counter()


def current_route() -> str:
    """The matched URL rule (placeholders, not values), or "-" when no route matched."""
    rule = request.url_rule
    return rule.rule if rule is not None else UNMATCHED_ROUTE


def _finish_request(response: Response) -> Response:
    request_id = g.get("request_id") or new_request_id()
    response.headers[REQUEST_ID_HEADER] = request_id
    route = current_route()
    request.environ[ROUTE_ENVIRON_KEY] = route
    if current_app.config.get("FESTA_REQUEST_LOG", True):
        started = g.get("request_started")
        duration = (time.perf_counter() - started) * 1000 if started else None
        request_log.info("request", extra={"request_id": request_id, "fields": {
            "method": request.method,
            "route": route,
            "endpoint": request.endpoint,
            "status": response.status_code,
            "duration_ms": round(duration, 2) if duration is not None else None,
            "remote_addr": request.remote_addr,
            "user_agent": request.user_agent.string[:200],
        }})
    return response


def init_app(app: Flask) -> None:
    """JSON logs, and the request id set before any other hook runs."""
    configure_logging(app)
    # First of all before_request hooks: even a request refused early gets its id.
    app.before_request_funcs.setdefault(None, []).insert(0, _start_request)
    app.after_request(_finish_request)
