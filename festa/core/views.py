"""Health checks and other pages that belong to no area."""

import json

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, url_for
from flask_babel import gettext as _

from festa.extensions import db
from festa.i18n import current_language

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


@bp.get("/favicon.ico")
def favicon():
    """The site icon where a browser looks for it without reading the page's link."""
    return current_app.send_static_file("icons/favicon.ico")


@bp.get("/manifest.webmanifest")
def manifest():
    """Web app manifest, so door staff can put the scanner on their home screen."""
    body = {
        "name": _("Festa door scanner"), "short_name": _("Festa door"),
        "start_url": url_for("checkin.scanner"), "scope": "/", "display": "standalone",
        "background_color": "#ffffff", "theme_color": "#0b4fa8",
        "lang": current_language(),
        "icons": [
            {"src": url_for("static", filename="icons/festa-192.png"), "sizes": "192x192",
             "type": "image/png"},
            {"src": url_for("static", filename="icons/festa-512.png"), "sizes": "512x512",
             "type": "image/png", "purpose": "any maskable"},
            {"src": url_for("static", filename="icons/festa.svg"), "sizes": "any",
             "type": "image/svg+xml"},
        ],
    }
    return current_app.response_class(json.dumps(body, ensure_ascii=False),
                                       mimetype="application/manifest+json")
