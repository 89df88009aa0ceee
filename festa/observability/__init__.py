"""Running it in production: JSON logs with a request id, health and readiness, metrics.

One module per concern; this package imports only core modules (never an area):

- `logs`: the request id (taken from a sane X-Request-ID or made) and JSON log lines.
- `metrics`: Festa's own Prometheus counters — other areas count what happens with small
  functions that never fail and never need an app —, and `on_scrape` for an area to set
  its gauges each time /metrics is read (the outbox backlog, festa.outbox.metrics):

      from festa.observability import metrics
      metrics.count_registration("confirmed")      # or "waitlisted"
      metrics.count_scan("ok", mode="online")        # a scan result of the contract
      metrics.count_delivery("mail", "sent")        # outbox: "sent", "retry", "failed"

- `exporter`: `/metrics` and who may read it. It sums the counters over every gunicorn
  worker (PROMETHEUS_MULTIPROC_DIR, set by gunicorn.conf.py).
- `health`: `/readyz` (database and migrations). `/healthz` is in festa.core.
- `database`: riding out a database restart (connections retried, then 503 rather than 500).
"""

from __future__ import annotations

import os

from flask import Flask

from festa.observability import database, exporter, health, logs


def init_app(app: Flask) -> None:
    """Request ids and logs, /readyz, /metrics; riding out a database restart (connections
    retried for DB_CONNECT_RETRY_SECONDS, then 503 rather than 500)."""
    app.config.setdefault(
        "FESTA_REQUEST_LOG", os.environ.get("FESTA_REQUEST_LOG", "true").lower() != "false"
    )
    app.config.setdefault("METRICS_TOKEN", os.environ.get("METRICS_TOKEN") or None)
    app.config.setdefault("DB_CONNECT_RETRY_SECONDS",
                          float(os.environ.get("DB_CONNECT_RETRY_SECONDS") or 5))
    logs.init_app(app)
    database.init_app(app)
    app.register_blueprint(health.bp)
    exporter.init_app(app)
