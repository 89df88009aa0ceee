"""The background worker: a daemon thread that delivers the outbox every few seconds.

At most one per process (a module-level singleton behind a lock, keyed by process id so
a forked server worker starts its own). Several processes may each run one: the
outbox's leases keep them from sending a message twice. It runs when OUTBOX_WORKER is
true and the app is not under test. Without MAIL_SERVER it still delivers webhooks,
while mail stays in the outbox (the demo: organizers read it at /manage/mail);
`flask festa mail send` delivers once from the command line.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from datetime import date

from flask import Flask

from festa.dbtypes import utcnow
from festa.extensions import db
from festa.outbox.services import deliver_due

DEFAULT_INTERVAL = 5.0  # seconds between delivery passes

_lock = threading.Lock()
_worker: OutboxWorker | None = None
# Jobs run once a day by the worker (e.g. retention, registered by its area): name → job.
_daily: dict[str, Callable[[], object]] = {}


def register_daily(name: str, job: Callable[[], object]) -> None:
    """Have the worker run `job` once a day (in an app context). Each worker process runs
    it: a daily job must be harmless to run twice."""
    _daily[name] = job


class OutboxWorker(threading.Thread):
    """Calls deliver_due() in its own app context until stopped."""

    def __init__(self, app: Flask, interval: float) -> None:
        super().__init__(name="festa-outbox", daemon=True)
        self.app = app
        self.interval = interval
        self.pid = os.getpid()
        self.stopping = threading.Event()
        self.passes = 0
        self.daily_done: dict[str, date] = {}

    def run(self) -> None:
        while not self.stopping.is_set():
            self.tick()
            self.stopping.wait(self.interval)

    def tick(self) -> int:
        """One delivery pass; errors are logged, never end the thread."""
        with self.app.app_context():
            self.run_daily()
            try:
                return deliver_due()
            except Exception:  # noqa: BLE001 - a database hiccup must not stop delivery
                self.app.logger.exception("outbox delivery pass failed")
                db.session.rollback()
                return 0
            finally:
                db.session.remove()
                self.passes += 1

    def run_daily(self) -> None:
        """Run each daily job not run yet today; a failing job is logged and tried tomorrow."""
        today = utcnow().date()
        for name, job in list(_daily.items()):
            if self.daily_done.get(name) == today:
                continue
            self.daily_done[name] = today
            try:
                job()
            except Exception:  # noqa: BLE001 - one job must not stop delivery
                self.app.logger.exception("daily job %s failed", name)
                db.session.rollback()

    def stop(self, timeout: float = 10) -> None:
        self.stopping.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)


def should_run(app: Flask) -> bool:
    config = app.config
    return bool(config.get("OUTBOX_WORKER") and not app.testing)


def start_worker(app: Flask, interval: float | None = None) -> OutboxWorker:
    """Start this process's worker, or return the one already running."""
    global _worker
    with _lock:
        if _worker is not None and _worker.pid == os.getpid() and _worker.is_alive():
            return _worker
        _worker = OutboxWorker(
            app, interval or app.config.get("OUTBOX_POLL_SECONDS", DEFAULT_INTERVAL)
        )
        _worker.start()
        return _worker


def current_worker() -> OutboxWorker | None:
    return _worker if _worker is not None and _worker.pid == os.getpid() else None


def init_app(app: Flask) -> None:
    """Start with the app under a WSGI server; under `flask …` commands only once a request
    arrives (so `flask festa mail send` does not race its own worker)."""
    if not should_run(app):
        return
    if not os.environ.get("FLASK_RUN_FROM_CLI"):
        start_worker(app)

    @app.before_request
    def _ensure_outbox_worker() -> None:
        # Cheap check; starts the worker in a process forked after create_app.
        if current_worker() is None or not _worker.is_alive():
            start_worker(app)
