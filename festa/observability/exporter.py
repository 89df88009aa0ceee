"""`/metrics` for Prometheus: request counts and latencies per URL rule plus Festa's own
metrics, readable from private addresses only (or with METRICS_TOKEN)."""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Callable
from functools import wraps

import sqlalchemy as sa
from flask import Flask, abort, current_app, request
from prometheus_client import CollectorRegistry
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


def init_app(app: Flask) -> None:
    """Serve /metrics for this app (one registry per app: tests build many apps)."""
    registry = CollectorRegistry()
    # The path label is the URL rule, so ticket codes and tokens in paths never become
    # label values.
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
