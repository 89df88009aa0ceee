"""Attendee registration pages."""

from flask import Blueprint

bp = Blueprint("registration", __name__)
