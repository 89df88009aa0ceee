"""Small lookups kept in this process for a few seconds (a device token's device, a
checkpoint's event): what a hot request would otherwise ask the database every time.

Unlike the render cache (festa.core.cache), entries here describe rows that change: each
is kept at most `seconds` (0 keeps nothing), and this process forgets an entry at once when
it changes the row itself (`forget`). Other processes see the change when their entry
expires, so `seconds` is how long a change (a revoked device) may take to reach them.
One cache per app (tests make many apps, each with its own database).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, current_app

from festa.core.transactions import read_alone

DEFAULT_SECONDS = 5.0
MAX_ENTRIES = 10_000  # unknown tokens are kept too: bounded, oldest dropped first


class Lookups:
    """Values by key, each kept `seconds` after it was loaded."""

    def __init__(self, seconds: float = DEFAULT_SECONDS, max_entries: int = MAX_ENTRIES) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.loads = 0  # how many times a value was loaded (tests)

    def get(self, key: Hashable, load: Callable[[], Any]) -> Any:
        """The value kept for `key`, loading it (outside the lock) when absent or expired;
        a load leaves no transaction open that was not open before (`read_alone`)."""
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] > now:
                return entry[1]
        value = read_alone(load)
        self.loads += 1
        if self.seconds > 0:
            with self._lock:
                self._entries[key] = (now + self.seconds, value)
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        return value

    def forget(self, key: Hashable) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def lookups() -> Lookups:
    """This app's lookups."""
    return current_app.extensions["festa.lookups"]


def init_app(app: Flask) -> None:
    app.extensions["festa.lookups"] = Lookups(
        seconds=float(app.config.get("LOOKUP_CACHE_SECONDS", DEFAULT_SECONDS)))
