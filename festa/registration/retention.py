"""Retention as promised: personal data is anonymised `Event.retention_days` (default 365)
after the event ends. `flask --app festa festa retention run` does it, and the background
worker runs it daily."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import Flask

from festa.audit.services import record
from festa.dbtypes import utcnow
from festa.extensions import db
from festa.outbox.worker import register_daily
from festa.program.models import Event
from festa.registration.models import Registration
from festa.registration.services import erase


@dataclass(frozen=True)
class RetentionResult:
    slug: str
    erase_after: date
    registrations: int


def run_retention(today: date, dry_run: bool = False) -> list[RetentionResult]:
    """Anonymise every registration of every event whose retention period has passed
    (one transaction and one audit entry per event); with `dry_run`, only count them."""
    results = []
    for event in db.session.scalars(sa.select(Event).order_by(Event.end_date, Event.id)):
        if event.erase_after > today:
            continue
        pending = db.session.scalars(sa.select(Registration).where(
            Registration.event_id == event.id, Registration.anonymized_at.is_(None))).all()
        if not pending:
            continue
        if not dry_run:
            for registration in pending:
                erase(registration)
            record("retention.anonymize", event, details={"registrations": len(pending)})
            db.session.commit()
        results.append(RetentionResult(event.slug, event.erase_after, len(pending)))
    return results


def run_today() -> list[RetentionResult]:
    return run_retention(utcnow().date())


def init_app(app: Flask) -> None:
    """The background worker runs retention once a day."""
    register_daily("retention", run_today)
