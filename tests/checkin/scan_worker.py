"""Runs in a separate OS process for the concurrency tests: scan codes as one gate."""

from __future__ import annotations


def scan_codes(database_url: str, scans: list[tuple[int, str]], barrier, results,
               door: bool = False) -> None:
    """Scan each (checkpoint id, code) once, starting together with the other gates.
    `door`: as the scan API does, with the checkpoint kept per process (no transaction of
    the caller's going: PostgreSQL commits the scans nobody listens to with their statement)."""
    from festa import create_app
    from festa.checkin.devices import DoorCheckpoint
    from festa.checkin.models import Checkpoint
    from festa.checkin.services import decide_scan
    from festa.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True,
                      "OUTBOX_WORKER": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        checkpoints = {cid: db.session.get(Checkpoint, cid) for cid, _code in scans}
        if door:
            checkpoints = {cid: DoorCheckpoint(id=cid, event_id=checkpoint.event_id)
                           for cid, checkpoint in checkpoints.items()}
        db.session.commit()
        barrier.wait(timeout=60)
        answers = [(cid, code, decide_scan(checkpoints[cid], code).result)
                   for cid, code in scans]
        db.session.remove()
        db.engine.dispose()
    results.put(answers)
