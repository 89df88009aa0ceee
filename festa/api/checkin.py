"""API endpoints (filled in by the area that owns them)."""

from flask_smorest import Blueprint

blp = Blueprint("api_checkin", __name__, description="checkin")
