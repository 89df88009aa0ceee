"""The outbox backlog gauge (`festa_outbox_backlog{kind}`), read from the database each
time /metrics is scraped: alert when it keeps growing (mail is not going out)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from prometheus_client import Gauge

from festa.extensions import db
from festa.observability.metrics import FESTA_REGISTRY, on_scrape
from festa.outbox.models import OutboxKind, OutboxMessage, OutboxStatus

OUTBOX_BACKLOG = Gauge(
    "festa_outbox_backlog", "Outbox messages waiting to be delivered, by kind",
    ["kind"], registry=FESTA_REGISTRY, multiprocess_mode="mostrecent",
)


def update_outbox_backlog() -> dict[str, int]:
    """Read the pending outbox messages per kind into the backlog gauge."""
    rows = db.session.execute(
        sa.select(OutboxMessage.kind, sa.func.count())
        .where(OutboxMessage.status == OutboxStatus.PENDING)
        .group_by(OutboxMessage.kind)
    ).all()
    counts = {str(kind): 0 for kind in OutboxKind} | {kind: n for kind, n in rows}
    for kind, n in counts.items():
        OUTBOX_BACKLOG.labels(kind=kind).set(n)
    return counts


def init_app(app: Flask) -> None:
    """Set the backlog gauge whenever this app's /metrics is read."""
    on_scrape(app, update_outbox_backlog)
