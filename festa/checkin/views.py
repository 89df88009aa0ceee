"""Door staff: the scanner page and device pairing."""

from flask import Blueprint

from festa.auth.services import door_required

bp = Blueprint("checkin", __name__, url_prefix="/door")


@bp.get("/")
@door_required
def scanner():
    """The scanner page (built by the check-in issue)."""
    return "scanner"
