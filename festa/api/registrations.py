"""API endpoints (filled in by the area that owns them)."""

from flask_smorest import Blueprint

blp = Blueprint("api_registrations", __name__, description="registrations")
