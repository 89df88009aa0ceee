"""The public programme: events, schedule, sessions and speakers."""

from flask import Blueprint, render_template

from festa.program import queries

bp = Blueprint("program", __name__)


@bp.get("/")
def index():
    """Current and upcoming events first, then past ones."""
    return render_template("program/index.html", events=queries.published_events())
