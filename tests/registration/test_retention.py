"""Retention as promised: `festa retention run` anonymises the registrations of events whose
retention period (default 365 days after the end) has passed, and says so per event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from festa.audit.models import AuditEntry
from festa.extensions import db
from festa.registration.models import Registration
from tests.checkin.helpers import make_ticket
from tests.factories import make_event


def _event_that_ended(days_ago: int, **fields):
    end = datetime.now(UTC).date() - timedelta(days=days_ago)
    event = make_event(start_date=end - timedelta(days=1), **fields)
    event.end_date = end
    make_ticket(event, name="홍길동", email=f"hong{days_ago}@example.com")
    db.session.commit()
    return event


def test_retention_run_dry_run_then_for_real(runner):
    old = _event_that_ended(400)
    recent = _event_that_ended(30)
    short = _event_that_ended(40, retention_days=30)
    dry = runner.invoke(args=["festa", "retention", "run", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"{old.slug}: would anonymise 1 registration(s)" in dry.output
    assert f"{short.slug}: would anonymise 1" in dry.output and recent.slug not in dry.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration).where(
        Registration.anonymized_at.is_not(None))) == 0

    done = runner.invoke(args=["festa", "retention", "run"])
    assert f"{old.slug}: anonymised 1 registration(s)" in done.output
    names = dict(db.session.execute(sa.select(Registration.event_id, Registration.name)).all())
    assert names == {old.id: "—", short.id: "—", recent.id: "홍길동"}
    entries = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "retention.anonymize")).all()
    assert {e.event_id for e in entries} == {old.id, short.id}
    again = runner.invoke(args=["festa", "retention", "run"])
    assert "Nothing to anonymise." in again.output


def test_the_background_worker_runs_retention_daily(app):
    from festa.outbox.worker import OutboxWorker

    old = _event_that_ended(400)
    worker = OutboxWorker(app, interval=1)
    worker.run_daily()
    assert db.session.scalar(sa.select(Registration.name).where(
        Registration.event_id == old.id)) == "—"
    assert "retention" in worker.daily_done
