"""`/metrics` for Prometheus: request counts and latencies per URL rule plus Festa's own
metrics, readable from private addresses only (or with METRICS_TOKEN)."""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Callable
from functools import wraps

import sqlalchemy as sa
from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_flask_exporter import PrometheusMetrics
from prometheus_flask_exporter.multiprocess import GunicornInternalPrometheusMetrics

from festa.extensions import db
from festa.observability.metrics import FESTA_REGISTRY, scrape_hooks


def metrics_allowed() -> bool:
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


def _run_scrape_hooks() -> None:
    for hook in scrape_hooks(current_app):
        try:
            hook()
        except sa.exc.SQLAlchemyError:
            db.session.rollback()  # metrics still answer while the database is away


def _metrics_endpoint(view: Callable) -> Callable:
    @wraps(view)
    def guarded(*args, **kwargs):
        if not metrics_allowed():
            abort(403)
        _run_scrape_hooks()
        return view(*args, **kwargs)

    return guarded


class RequestMetrics:
    """Every request counted and timed, under prometheus_flask_exporter's default names
    and labels (`flask_http_request_duration_seconds` by method, URL rule and status,
    `flask_http_request_total` and `flask_http_request_exceptions_total` by method and
    status), by one hook per request. The exporter's own hooks did the same with three
    hooks, five attribute probes on the request, two regular expressions and two label
    lookups per request; here the labelled series are kept per (method, rule, status).

    The URL rule, not the path: ticket codes and tokens in paths never become label values.
    The time is counted from the request's start (festa.observability.logs)."""

    UNCOUNTED = ("/static/", "/metrics")  # path prefixes

    def __init__(self, app: Flask, metrics: PrometheusMetrics) -> None:
        registry = metrics.registry
        metrics.info("flask_exporter_info", "Information about the Prometheus Flask exporter",
                     version=metrics.version)
        self.duration = Histogram(
            "flask_http_request_duration_seconds", "Flask HTTP request duration in seconds",
            ("method", "url_rule", "status"), registry=registry)
        self.total = Counter("flask_http_request_total", "Total number of HTTP requests",
                             ("method", "status"), registry=registry)
        self.exceptions = Counter(
            "flask_http_request_exceptions_total",
            "Total number of HTTP requests which resulted in an exception",
            ("method", "status"), registry=registry)
        self._series: dict[tuple[str, str, int], tuple] = {}
        app.after_request(self.count)
        app.teardown_request(self.count_exception)

    def _record(self, method: str, rule, status: int) -> None:
        key = (method, rule.rule if rule is not None else None, status)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = (
                self.duration.labels(method, str(rule), status),
                self.total.labels(method, status))
        started = g.get("request_started")
        if started is not None:
            series[0].observe(max(time.perf_counter() - started, 0))
        series[1].inc()
        g.request_counted = True

    def count(self, response: Response) -> Response:
        req = request._get_current_object()
        if not req.path.startswith(self.UNCOUNTED):
            self._record(req.method, req.url_rule, response.status_code)
        return response

    def count_exception(self, error: BaseException | None = None) -> None:
        """A request that ended in an exception no error handler answered."""
        if error is None or request.path.startswith(self.UNCOUNTED):
            return
        self.exceptions.labels(request.method, 500).inc()
        if not g.get("request_counted"):
            self._record(request.method, request.url_rule, 500)


def init_app(app: Flask) -> None:
    """Serve /metrics for this app (one registry per app: tests build many apps)."""
    registry = CollectorRegistry()
    options = dict(registry=registry, metrics_decorator=_metrics_endpoint,
                   export_defaults=False)  # RequestMetrics counts the requests
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        metrics = GunicornInternalPrometheusMetrics(app, path="/metrics", **options)
    else:
        # One process: our counters are added to this app's registry directly.
        registry.register(FESTA_REGISTRY)
        metrics = PrometheusMetrics(app, path="/metrics", **options)
    app.extensions["festa_metrics"] = metrics
    app.extensions["festa_request_metrics"] = RequestMetrics(app, metrics)
