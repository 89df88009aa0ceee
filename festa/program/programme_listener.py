"""What the schedule page and feeds read before their cache, kept per process on PostgreSQL
while it LISTENs for programme changes.

The migration a7c3e5f9b2d4 installs triggers that `pg_notify('festa_programme', event id)`
in every transaction changing what festa.program.schedule_cache reads before its cache
(the published event's id, days, zone, programme version and its sessions' seats taken);
PostgreSQL delivers a notification when, and only if, that transaction commits. A daemon
thread per process (started by the first request that asks, so in each gunicorn worker,
not in the master) LISTENs on its own autocommit connection and forgets the notified
event's row. Rows are trusted only while it is connected and listening: before that, and
from the moment the connection fails until it listens again, every request reads the
database as it would without this module; on (re)connecting the process forgets all it
held, as changes may have been missed meanwhile. A commit by this process forgets
everything at once (its next request must see its own change without waiting for the
notification to come back). Another process's commit is seen once its notification has
arrived, normally within a millisecond of the commit.

A half-open connection is noticed by a heartbeat query every HEARTBEAT_SECONDS with TCP
keepalives and a TCP user timeout of a few seconds.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session as OrmSession

CHANNEL = "festa_programme"
HEARTBEAT_SECONDS = 2.0
RETRY_SECONDS = 1.0
# Connection settings for the listener (libpq): a dead peer is noticed within seconds.
_ALIVE = {"keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2,
          "keepalives_count": 2, "tcp_user_timeout": 5000,
          "application_name": "festa-programme-listener"}

log = logging.getLogger(__name__)


class ProgrammeListener:
    """Rows read for a published event's slug, kept while notifications are heard."""

    def __init__(self, connect: Callable[[], Any]) -> None:
        self._connect = connect
        self._lock = threading.Lock()
        self._rows: dict[str, tuple] = {}  # slug -> row; row[0] is the event id
        self._generation = 0  # grows with whatever may make a row read before it stale
        self._listening = False
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()

    # -- requests --------------------------------------------------------------------

    def row(self, slug: str, read: Callable[[], tuple | None]) -> tuple | None:
        """The row for `slug`: kept, or `read()` (and kept if nothing may have changed
        while it was read). None (not published) is never kept."""
        with self._lock:
            if self._listening:
                kept = self._rows.get(slug)
                if kept is not None:
                    return kept
            generation = self._generation if self._listening else None
        row = read()
        if row is not None and generation is not None:
            with self._lock:
                if self._listening and self._generation == generation:
                    self._rows[slug] = tuple(row)
        return row

    def forget(self, event_id: int | None = None) -> None:
        """Forget the event's row (every row when None)."""
        with self._lock:
            self._generation += 1
            if event_id is None:
                self._rows.clear()
            else:
                for slug in [s for s, row in self._rows.items() if row[0] == event_id]:
                    del self._rows[slug]

    @property
    def listening(self) -> bool:
        return self._listening

    # -- the thread --------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="festa-programme-listener",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()

    def _set_listening(self, listening: bool) -> None:
        with self._lock:
            self._listening = listening
            self._generation += 1
            self._rows.clear()

    def _run(self) -> None:
        while not self._stopped.is_set():
            connection = None
            try:
                connection = self._connect()
                connection.execute(f"LISTEN {CHANNEL}")
                self._set_listening(True)
                while not self._stopped.is_set():
                    for notification in connection.notifies(timeout=HEARTBEAT_SECONDS):
                        payload = notification.payload
                        self.forget(None if payload == "*" else int(payload))
                    connection.execute("SELECT 1")  # a dead connection raises here
            except Exception:  # noqa: BLE001 - any failure: stop trusting, reconnect
                log.warning("programme listener disconnected", exc_info=True)
            finally:
                self._set_listening(False)
                if connection is not None:
                    with contextlib.suppress(Exception):
                        connection.close()
            self._stopped.wait(RETRY_SECONDS)


_listeners: dict[str, ProgrammeListener] = {}
# Each engine's URL as _listeners keys it (tests make many engines on one database).
_keys: weakref.WeakKeyDictionary[sa.Engine, str] = weakref.WeakKeyDictionary()
_listeners_lock = threading.Lock()


def _psycopg_connect(engine: sa.Engine) -> Callable[[], Any]:
    args, kwargs = engine.dialect.create_connect_args(engine.url)

    def connect() -> Any:
        import psycopg

        return psycopg.connect(*args, **{**kwargs, **_ALIVE}, autocommit=True)

    return connect


def listener_for(engine: sa.Engine) -> ProgrammeListener | None:
    """This process's listener on the engine's database, started on first use (None
    unless PostgreSQL with psycopg)."""
    if engine.dialect.name != "postgresql" or engine.dialect.driver != "psycopg":
        return None
    key = _keys.get(engine)
    if key is None:  # rendering the URL costs more than the rest of this function
        key = _keys[engine] = engine.url.render_as_string(hide_password=False)
    listener = _listeners.get(key)
    if listener is not None and listener._pid == os.getpid():
        return listener
    with _listeners_lock:
        listener = _listeners.get(key)
        if listener is None or listener._pid != os.getpid():  # none yet, or forked
            listener = ProgrammeListener(_psycopg_connect(engine))
            _listeners[key] = listener
            listener.start()
    return listener


def _committed(_session: OrmSession) -> None:
    for listener in list(_listeners.values()):
        listener.forget()


def init_app() -> None:
    """Forget kept rows when this process commits (listening twice changes nothing)."""
    if not sa_event.contains(OrmSession, "after_commit", _committed):
        sa_event.listen(OrmSession, "after_commit", _committed)


def wait_listening(listener: ProgrammeListener, listening: bool = True,
                   timeout: float = 10.0) -> bool:
    """Wait until the listener is (or is no longer) listening; whether it is now."""
    deadline = time.monotonic() + timeout
    while listener.listening != listening and time.monotonic() < deadline:
        time.sleep(0.01)
    return listener.listening == listening
