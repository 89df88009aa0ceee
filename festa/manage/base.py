"""The manage blueprint: the back-office pages of the programme (events, sessions,
speakers, venues). The helpers its views share are the web toolkit's (`festa.web`)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("manage", __name__, url_prefix="/manage")
