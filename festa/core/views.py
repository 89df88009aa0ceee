"""Health checks and other pages that belong to no area."""

import sqlalchemy as sa
from flask import Blueprint, jsonify

from festa.extensions import db

bp = Blueprint("core", __name__)


@bp.get("/healthz")
def healthz():
    """Liveness with a database round trip: 200 {"status": "ok"} when the database answers."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="down"), 503
    return jsonify(status="ok")
