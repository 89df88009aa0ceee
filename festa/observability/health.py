"""Readiness: `/readyz` answers 200 only when the database is reachable and its schema is
one this code can serve (at the newest migration, or past it during a rolling deploy)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import Blueprint, current_app, jsonify

from festa.extensions import db

bp = Blueprint("observability", __name__)


def schema_state() -> str:
    """"head" when the database is at this code's newest migration, "pending" when it is
    behind (run `flask db upgrade`), "ahead" when a newer release already migrated it."""
    cache = current_app.extensions.setdefault("festa_observability", {})
    if "script" not in cache:
        migrate_ext = current_app.extensions["migrate"]
        config = migrate_ext.migrate.get_config(migrate_ext.directory)
        cache["script"] = ScriptDirectory.from_config(config)
    script = cache["script"]
    with db.engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    if current == set(script.get_heads()):
        return "head"
    try:
        for revision in current:
            script.get_revision(revision)
    except CommandError:
        return "ahead"  # a revision this code does not know: the schema is newer
    return "pending"


def migrations_at_head() -> bool:
    """Whether this code can serve the schema: at its newest migration, or already past it
    (during a rolling deploy the previous release keeps serving after the migration)."""
    return schema_state() in ("head", "ahead")


@bp.get("/readyz")
def readyz():
    """Readiness: the database answers and its schema is at the newest migration."""
    try:
        db.session.execute(sa.text("SELECT 1"))
        at_head = migrations_at_head()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="down"), 503
    if not at_head:
        return jsonify(status="unavailable", database="ok", migrations="pending"), 503
    return jsonify(status="ready", database="ok", migrations="head")
