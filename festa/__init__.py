"""Festa: event management for the AI Seoul Festa and Seoul's AI conferences."""

from __future__ import annotations

import contextlib
from pathlib import Path

from dotenv import load_dotenv
from flask import Flask

from festa.config import PROJECT_ROOT, load_settings
from festa.core.files import create_private_file, private_dir, sqlite_file
from festa.extensions import babel, compress, csrf, db, limiter, login, migrate


class Festa(Flask):
    """Flask, remembering per function whether it is a coroutine: Flask asks (through
    `inspect`) of every hook and view at every request, about twenty times per request,
    and the answer never changes."""

    _MAX_REMEMBERED = 1024  # hooks and views are a fixed set; a bound, not a limit

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._synced: dict = {}

    def ensure_sync(self, func):
        try:
            return self._synced[func]
        except (KeyError, TypeError):  # TypeError: not hashable, never remembered
            pass
        synced = super().ensure_sync(func)
        if len(self._synced) < self._MAX_REMEMBERED:
            with contextlib.suppress(TypeError):
                self._synced[func] = synced
        return synced


def create_app(config: dict | None = None) -> Flask:
    """Application factory: settings, extensions, blueprints, CLI."""
    load_dotenv(PROJECT_ROOT / ".env")
    app = Festa(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    private_dir(Path(app.instance_path))
    app.config.from_mapping(load_settings(Path(app.instance_path)))
    if config:
        app.config.from_mapping(config)
    database_file = sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])
    if database_file is not None:
        create_private_file(database_file)  # before SQLite creates it with the umask's mode

    # The app's parts are imported here, not at the top: this package's __init__ runs
    # before any of its modules, and must not load the whole app when one module is used.
    from festa import i18n, models  # noqa: F401  (models: the whole schema for Alembic)

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True, compare_type=True
    )
    csrf.init_app(app)
    limiter.init_app(app)
    compress.init_app(app)
    login.init_app(app)
    i18n.init_app(app, babel)

    from festa import blueprints  # the composition root (see above)
    from festa.core.inputs import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any route is added
    blueprints.register(app)
    return app
