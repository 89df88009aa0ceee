"""Rendered documents kept by key: in this process, and in Redis when REDIS_URL is set.

A key names everything the bytes depend on (e.g. the event, its programme version, the
language, the format), so nothing is ever invalidated by hand: a change makes a new key,
and old entries age out — least recently used first here, after `RENDER_CACHE_TTL`
seconds in Redis. With Redis, the instances behind a load balancer render each document
once between them; when Redis does not answer, each renders for itself (logged, never an
error for the visitor).

Only documents without personal data belong here: the same bytes go to everyone.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

import redis
from flask import Flask, current_app

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
DEFAULT_TTL = 24 * 3600
REDIS_TIMEOUT = 0.5  # seconds; a slow Redis must not be slower than rendering
PREFIX = "festa:render:"


class RenderCache:
    """A byte-bounded LRU in this process, in front of an optional Redis."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES, ttl: int = DEFAULT_TTL,
                 redis_url: str | None = None) -> None:
        self.max_bytes = max_bytes
        self.ttl = ttl
        self.redis = (redis.Redis.from_url(redis_url, socket_timeout=REDIS_TIMEOUT,
                                           socket_connect_timeout=REDIS_TIMEOUT)
                      if redis_url else None)
        self._entries: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._rendering: dict[str, threading.Lock] = {}
        self.renders = 0  # how many times a document was rendered here (for tests, metrics)

    def get(self, key: str) -> bytes | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
                return value
        value = self._shared_get(key)
        if value is not None:
            self._keep(key, value)
        return value

    def get_or_render(self, key: str, render: Callable[[], bytes]) -> bytes:
        """The cached bytes for `key`, rendering them once if nobody has."""
        value = self.get(key)
        if value is not None:
            return value
        with self._lock:
            rendering = self._rendering.setdefault(key, threading.Lock())
        with rendering:  # threads asking for the same key wait for one rendering
            value = self.get(key)
            if value is None:
                value = render()
                self.renders += 1
                self._keep(key, value)
                self._shared_set(key, value)
        with self._lock:
            self._rendering.pop(key, None)
        return value

    def clear(self) -> None:
        """Forget what this process holds (Redis entries age out by themselves)."""
        with self._lock:
            self._entries.clear()
            self._size = 0

    def _keep(self, key: str, value: bytes) -> None:
        if len(value) > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            self._size -= len(old) if old is not None else 0
            self._entries[key] = value
            self._size += len(value)
            while self._size > self.max_bytes:
                _key, dropped = self._entries.popitem(last=False)
                self._size -= len(dropped)

    def _shared_get(self, key: str) -> bytes | None:
        if self.redis is None:
            return None
        try:
            return self.redis.get(PREFIX + key)
        except redis.RedisError as error:
            current_app.logger.warning("render cache: Redis get failed: %s", error)
            return None

    def _shared_set(self, key: str, value: bytes) -> None:
        if self.redis is None:
            return
        try:
            self.redis.set(PREFIX + key, value, ex=self.ttl)
        except redis.RedisError as error:
            current_app.logger.warning("render cache: Redis set failed: %s", error)


def render_cache() -> RenderCache:
    """This app's cache."""
    return current_app.extensions["festa.render_cache"]


def init_app(app: Flask) -> None:
    app.extensions["festa.render_cache"] = RenderCache(
        max_bytes=int(app.config.get("RENDER_CACHE_BYTES", DEFAULT_MAX_BYTES)),
        ttl=int(app.config.get("RENDER_CACHE_TTL", DEFAULT_TTL)),
        redis_url=app.config.get("REDIS_URL"),
    )
