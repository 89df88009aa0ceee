"""The organizers' back office."""

from flask import Blueprint, render_template

from festa.auth.services import organizer_required

bp = Blueprint("manage", __name__, url_prefix="/manage")


@bp.get("/")
@organizer_required
def index():
    """The organizer's start page."""
    return render_template("manage/index.html")
