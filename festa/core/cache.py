"""Rendered documents kept by key: in this process, and in Redis when REDIS_URL is set.

A key names everything the bytes depend on (e.g. the event, its programme version, the
language, the format), so nothing is ever invalidated by hand: a change makes a new key,
and old entries age out — least recently used first here, after `RENDER_CACHE_TTL`
seconds in Redis. With Redis, the instances behind a load balancer render each document
once between them; when Redis does not answer, each renders for itself (logged, never an
error for the visitor).

Only documents without personal data belong here: the same bytes go to everyone.

A document sent whole to clients (`document`) is kept with its gzip and brotli variants,
compressed once when it is rendered: a client sending `Accept-Encoding: gzip, br` (browsers,
`curl --compressed`, HTTP libraries) gets a tenth of the bytes without any compression per
request (`send_document`).
"""

from __future__ import annotations

import gzip
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import brotli
import redis
from flask import Flask, Response, current_app, request
from werkzeug.http import parse_accept_header

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
DEFAULT_TTL = 24 * 3600
REDIS_TIMEOUT = 0.5  # seconds; a slow Redis must not be slower than rendering
PREFIX = "festa:render:"
ENCODINGS = ("br", "gzip")  # preferred first when a client accepts both equally
# Made once per rendering, so compress hard: brotli's 10–11 take seconds on a megabyte.
GZIP_LEVEL = 9
BROTLI_QUALITY = 9


@dataclass(frozen=True)
class Document:
    """A rendered document, and the compressed variants of those sent whole."""

    plain: bytes
    encoded: dict[str, bytes] = field(default_factory=dict)  # Content-Encoding → bytes

    @property
    def size(self) -> int:
        return len(self.plain) + sum(len(v) for v in self.encoded.values())

    @classmethod
    def compressed(cls, plain: bytes) -> Document:
        return cls(plain, {"br": brotli.compress(plain, quality=BROTLI_QUALITY),
                           "gzip": gzip.compress(plain, GZIP_LEVEL, mtime=0)})


def accepted_encoding() -> str | None:
    """The compressed variant this request accepts (None: the plain bytes). Offered as
    Flask-Compress is configured: its algorithms, none when it is switched off (no
    COMPRESS_MIMETYPES, or COMPRESS_REGISTER false)."""
    config = current_app.config
    if not config.get("COMPRESS_MIMETYPES") or not config.get("COMPRESS_REGISTER", True):
        return None
    algorithms = config.get("COMPRESS_ALGORITHM", ENCODINGS)
    if not isinstance(algorithms, str):
        algorithms = ",".join(algorithms)
    return _best_encoding(request.headers.get("Accept-Encoding", ""), algorithms)


@lru_cache(maxsize=256)
def _best_encoding(accept_encoding: str, algorithms: str) -> str | None:
    """The best of our ENCODINGS among `algorithms` (comma-separated) for an
    Accept-Encoding header (as `request.accept_encodings` would choose). Clients send a few
    distinct headers: each parsed once."""
    offered = [a for a in (a.strip() for a in algorithms.split(",")) if a in ENCODINGS]
    accepted = parse_accept_header(accept_encoding)
    best = accepted.best_match([*offered, "identity"])
    return best if best in ENCODINGS else None


def send_document(document: Document, mimetype: str, encoding: str | None) -> Response:
    """The document in `encoding` (from `accepted_encoding`), marked as varying by it."""
    body = document.encoded.get(encoding, document.plain) if encoding else document.plain
    response = Response(body, mimetype=mimetype)
    if encoding and encoding in document.encoded:
        response.headers["Content-Encoding"] = encoding  # Flask-Compress leaves it alone
    response.vary.add("Accept-Encoding")
    return response


class RenderCache:
    """A byte-bounded LRU in this process, in front of an optional Redis."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES, ttl: int = DEFAULT_TTL,
                 redis_url: str | None = None) -> None:
        self.max_bytes = max_bytes
        self.ttl = ttl
        self.redis = (redis.Redis.from_url(redis_url, socket_timeout=REDIS_TIMEOUT,
                                           socket_connect_timeout=REDIS_TIMEOUT)
                      if redis_url else None)
        self._entries: OrderedDict[str, Document] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._rendering: dict[str, threading.Lock] = {}
        self.renders = 0  # how many times a document was rendered here (for tests, metrics)

    def get(self, key: str) -> bytes | None:
        document = self.get_document(key, compressed=False)
        return document.plain if document is not None else None

    def get_document(self, key: str, compressed: bool = True) -> Document | None:
        """The cached document, with its compressed variants when `compressed`."""
        with self._lock:
            value = self._entries.get(key)
            if value is not None and (value.encoded or not compressed):
                self._entries.move_to_end(key)
                return value
        value = self._shared_get(key, compressed)
        if value is not None:
            self._keep(key, value)
        return value

    def get_or_render(self, key: str, render: Callable[[], bytes]) -> bytes:
        """The cached bytes for `key`, rendering them once if nobody has."""
        return self.document(key, render, compressed=False).plain

    def document(self, key: str, render: Callable[[], bytes], compressed: bool = True,
                 count: bool = True) -> Document:
        """The cached document for `key` (with its gzip and brotli variants when
        `compressed`), rendering it once if nobody has; `count=False` when `render` only
        assembles cached parts (not counted in `renders`)."""
        value = self.get_document(key, compressed)
        if value is not None:
            return value
        with self._lock:
            rendering = self._rendering.setdefault(key, threading.Lock())
        with rendering:  # threads asking for the same key wait for one rendering
            value = self.get_document(key, compressed)
            if value is None:
                plain = render()
                self.renders += count
                value = Document.compressed(plain) if compressed else Document(plain)
                self.put(key, value)
        with self._lock:
            self._rendering.pop(key, None)
        return value

    def put(self, key: str, document: Document) -> None:
        """Keep a document made from cached parts (not counted as a rendering)."""
        self._keep(key, document)
        self._shared_set(key, document)

    def clear(self) -> None:
        """Forget what this process holds (Redis entries age out by themselves)."""
        with self._lock:
            self._entries.clear()
            self._size = 0

    def _keep(self, key: str, value: Document) -> None:
        if value.size > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            self._size -= old.size if old is not None else 0
            self._entries[key] = value
            self._size += value.size
            while self._size > self.max_bytes:
                _key, dropped = self._entries.popitem(last=False)
                self._size -= dropped.size

    def _shared_get(self, key: str, compressed: bool) -> Document | None:
        """From Redis: the plain bytes under the key, each variant under key:encoding
        (one round trip); a variant missing there is made here from the plain bytes."""
        if self.redis is None:
            return None
        names = [PREFIX + key, *(f"{PREFIX}{key}:{e}" for e in ENCODINGS if compressed)]
        try:
            plain, *variants = self.redis.mget(names)
        except redis.RedisError as error:
            current_app.logger.warning("render cache: Redis get failed: %s", error)
            return None
        if plain is None:
            return None
        if compressed and None in variants:
            return Document.compressed(plain)
        return Document(plain, dict(zip(ENCODINGS, variants, strict=False)))

    def _shared_set(self, key: str, value: Document) -> None:
        if self.redis is None:
            return
        try:
            with self.redis.pipeline(transaction=False) as pipe:
                pipe.set(PREFIX + key, value.plain, ex=self.ttl)
                for encoding, data in value.encoded.items():
                    pipe.set(f"{PREFIX}{key}:{encoding}", data, ex=self.ttl)
                pipe.execute()
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
