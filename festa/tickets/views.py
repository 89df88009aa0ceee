"""Ticket pages and QR images."""

from flask import Blueprint

bp = Blueprint("tickets", __name__)
