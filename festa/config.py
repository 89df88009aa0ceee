"""Settings from the environment (and `.env`), with secrets generated once into `instance/`."""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _instance_secret(instance_path: Path, name: str, make: callable) -> str:
    """Read a secret kept in `instance/`, creating it (mode 600) the first time."""
    path = instance_path / name
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(mode=0o700, parents=True, exist_ok=True)
    value = make()
    # O_EXCL: two processes starting at once must end up with the same secret.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
    return value


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def engine_options(database_url: str, env: os._Environ | dict) -> dict:
    """Connection pool settings (DB_POOL_SIZE, DB_MAX_OVERFLOW, DB_POOL_RECYCLE,
    DB_POOL_TIMEOUT, DB_PREPARE_THRESHOLD).

    `pool_pre_ping` tests each connection as it leaves the pool, so after a PostgreSQL
    restart a dead connection is replaced instead of failing the next request (on
    PostgreSQL it asks the server only when the socket shows that something happened:
    festa.observability.database.ping_only_when_needed). The pool
    matches the process: one connection per gunicorn thread (GUNICORN_THREADS) plus one for
    the outbox worker, so no request waits for a connection and none sits idle. psycopg 3
    prepares a statement on the server once a connection has run it DB_PREPARE_THRESHOLD
    times (the hot ones — take a seat, record a scan — are then planned once per
    connection); 0 turns that off (needed behind PgBouncer in transaction mode).
    """
    options: dict = {"pool_pre_ping": True}
    if database_url.startswith("sqlite"):
        return options
    threads = int(env.get("GUNICORN_THREADS") or 4)
    prepare = int(env.get("DB_PREPARE_THRESHOLD") or 2)
    options.update(
        pool_size=int(env.get("DB_POOL_SIZE") or threads + 1),
        max_overflow=int(env.get("DB_MAX_OVERFLOW") or 2),
        pool_recycle=int(env.get("DB_POOL_RECYCLE") or 1800),
        pool_timeout=int(env.get("DB_POOL_TIMEOUT") or 10),
        connect_args={"prepare_threshold": prepare if prepare > 0 else None},
    )
    return options


LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


def is_production(config: dict) -> bool:
    """A public deployment: FESTA_BASE_URL is https:// on a host other than this machine.

    Development-only conveniences (the demo's published passwords, plain-http webhooks)
    refuse to run there."""
    parts = urlsplit(config.get("FESTA_BASE_URL") or "")
    return parts.scheme == "https" and (parts.hostname or "") not in LOCAL_HOSTS


def load_settings(instance_path: Path) -> dict:
    """Build the configuration mapping from the environment (see shared/CONTRACT.md)."""
    env = os.environ
    default_db = f"sqlite:///{instance_path / 'festa.db'}"
    database_url = env.get("DATABASE_URL") or default_db
    if database_url.startswith("postgresql://"):
        # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    settings = {
        "SECRET_KEY": env.get("SECRET_KEY")
        or _instance_secret(instance_path, "secret_key", lambda: secrets.token_urlsafe(48)),
        "FESTA_SIGNING_KEY": env.get("FESTA_SIGNING_KEY")
        or _instance_secret(
            instance_path,
            "signing_key",
            lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode(),
        ),
        # Public keys (base64url) of retired signing keys whose tickets must still scan.
        "FESTA_RETIRED_PUBLIC_KEYS": [
            k for k in env.get("FESTA_RETIRED_PUBLIC_KEYS", "").split(",") if k.strip()
        ],
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(database_url, env),
        "REDIS_URL": env.get("REDIS_URL") or None,
        # How long a process keeps a device token's device, a checkpoint's event and an
        # event's webhook receivers (festa.core.lookups): a revoked device stops within this.
        "LOOKUP_CACHE_SECONDS": float(env.get("LOOKUP_CACHE_SECONDS") or 5),
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), True),
        "RATELIMIT_STORAGE_URI": env.get("REDIS_URL") or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # The door scanner's offline bundle is mostly names: gzip cuts it to a fifth. JSON
        # only (see festa.extensions); brotli where the browser offers it, else gzip. The
        # cached schedule documents (festa.core.cache) are kept compressed with these
        # algorithms, and not served compressed when COMPRESS_MIMETYPES is empty.
        "COMPRESS_MIMETYPES": ["application/json"],
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(env.get("MAIL_PORT") or 25),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS"), False),
        "MAIL_FROM": env.get("MAIL_FROM") or "AI Seoul Festa <festa@localhost>",
        "MAIL_TIMEOUT": float(env.get("MAIL_TIMEOUT") or 30),  # seconds per SMTP exchange
        "FESTA_BASE_URL": (env.get("FESTA_BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        # Development only (ignored on a production site, see is_production): let webhooks
        # use plain http:// and reach this machine or private networks (a local receiver).
        "FESTA_DEV_WEBHOOKS_ALLOW_HTTP": _bool(env.get("FESTA_DEV_WEBHOOKS_ALLOW_HTTP"), False),
        "FESTA_DEV_WEBHOOKS_ALLOW_PRIVATE": _bool(env.get("FESTA_DEV_WEBHOOKS_ALLOW_PRIVATE"),
                                                  False),
        # Background delivery of the outbox inside the web process; tests turn it off.
        "OUTBOX_WORKER": _bool(env.get("OUTBOX_WORKER"), True),
        # Seconds between its delivery passes (up to 100 messages each).
        "OUTBOX_POLL_SECONDS": float(env.get("OUTBOX_POLL_SECONDS") or 5),
        "MAX_CONTENT_LENGTH": 4 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "ko",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Seoul",
        "LANGUAGES": ("ko", "en"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
    }
    return settings
