"""Fixtures for the programme's tests: the demo programme at a fixed "now"."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from festa.extensions import db
from festa.program.demo import load_demo

# 2026-11-25, 12:00 in Seoul: AI Seoul 2025 is over, the Festa is next March (2027).
NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
FESTA = "ai-seoul-festa-2027"
CONFERENCE = "ai-seoul-2025"


@pytest.fixture
def demo(app):
    """The demo programme, loaded as if today were 2026-11-25; pages see the same time."""
    app.config["FESTA_NOW"] = NOW
    load_demo(now=NOW)
    db.session.commit()
    return app
