"""Runs in a separate OS process for the concurrency tests: scan codes as one gate."""

from __future__ import annotations


def scan_codes(database_url: str, scans: list[tuple[int, str]], barrier, results) -> None:
    """Scan each (checkpoint id, code) once, starting together with the other gates."""
    from festa import create_app
    from festa.checkin.models import Checkpoint
    from festa.checkin.services import decide_scan
    from festa.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True,
                      "OUTBOX_WORKER": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        checkpoints = {cid: db.session.get(Checkpoint, cid) for cid, _code in scans}
        db.session.commit()
        barrier.wait(timeout=60)
        answers = [(cid, code, decide_scan(checkpoints[cid], code).result)
                   for cid, code in scans]
        db.session.remove()
        db.engine.dispose()
    results.put(answers)
