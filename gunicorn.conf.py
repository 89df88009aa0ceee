"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app` (`make serve`).

Every value can be changed through the environment, so the same file serves one laptop,
each of N instances behind a reverse proxy, and the benchmarks in bench/.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import shutil
import tempfile


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# Workers: the usual 2 × cores + 1, capped so a big machine does not open hundreds of
# PostgreSQL connections (each worker has its own pool; see DB_POOL_SIZE).
_cores = multiprocessing.cpu_count()
bind = os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = _int("GUNICORN_WORKERS", min(2 * _cores + 1, _int("GUNICORN_MAX_WORKERS", 9)))
# Threads let a worker keep serving while one request waits on PostgreSQL or SMTP.
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 20)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then (bounded memory growth); the jitter avoids all at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 500)
# The reverse proxy's address, trusted for X-Forwarded-Proto (see the README, Deployment).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# gunicorn ≥ 25 opens a control socket at one fixed path per user: several instances on one
# host would fight over it, so it is off unless GUNICORN_CONTROL_SOCKET names a path.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET") or "gunicorn.ctl"
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")

# Logs go to stdout/stderr (the process manager collects them). The access log is one JSON
# object per request with the request id the app echoes (festa.observability).
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
logger_class = "festa.jsonlog.GunicornJsonLogger"
if accesslog:
    # gunicorn already writes one line per request; the app's own request line would double it.
    os.environ.setdefault("FESTA_REQUEST_LOG", "false")

# Prometheus metrics are kept per worker in files and summed at /metrics.
_own_metrics_dir = "PROMETHEUS_MULTIPROC_DIR" not in os.environ
if _own_metrics_dir:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="festa-metrics-")


def on_starting(server) -> None:
    """Start from empty metric files: stale ones from an earlier run would be summed in."""
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        os.unlink(os.path.join(directory, name))


def child_exit(server, worker) -> None:
    """A dead worker's live gauges must not be reported any more."""
    from prometheus_flask_exporter.multiprocess import GunicornInternalPrometheusMetrics

    GunicornInternalPrometheusMetrics.mark_process_dead_on_child_exit(worker.pid)


def on_exit(server) -> None:
    if _own_metrics_dir:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


def post_worker_init(worker) -> None:
    """Move everything loaded with the app (modules, mappers, templates) out of the garbage
    collector's sight: a full collection then walks only what requests made, instead of
    stopping every thread of the worker for the whole heap (the scans' p99 tail)."""
    gc.collect()
    gc.freeze()
