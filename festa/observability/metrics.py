"""Festa's own Prometheus metrics. Other areas count what happens with the functions
below (they never fail and never need an app); an area with a gauge to read at scrape
time defines it in FESTA_REGISTRY and registers its reader with `on_scrape`."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from prometheus_client import CollectorRegistry, Counter

# Our own metrics live in one registry, added to each app's exporter registry.
FESTA_REGISTRY = CollectorRegistry(auto_describe=True)
REGISTRATIONS = Counter(
    "festa_registrations_created_total", "Registrations created, by resulting status",
    ["status"], registry=FESTA_REGISTRY,
)
SCANS = Counter(
    "festa_scans_total", "Ticket scans by result (ok, already_checked_in, invalid, …) and mode",
    ["result", "mode"], registry=FESTA_REGISTRY,
)
DELIVERIES = Counter(
    "festa_outbox_deliveries_total", "Outbox delivery attempts by kind and outcome",
    ["kind", "outcome"], registry=FESTA_REGISTRY,
)

SCRAPE_HOOKS = "festa_scrape_hooks"  # app.extensions key: what runs before /metrics answers


def count_registration(status: str = "confirmed") -> None:
    """One registration was created (call after the commit succeeded)."""
    REGISTRATIONS.labels(status=str(status)).inc()


def count_scan(result: str, mode: str = "online") -> None:
    """One scan was decided with `result` (a ScanResult value); mode "online" or "offline"."""
    SCANS.labels(result=str(result), mode=str(mode)).inc()


def count_delivery(kind: str, outcome: str) -> None:
    """One outbox delivery attempt: kind "mail"/"webhook", outcome "sent"/"retry"/"failed"."""
    DELIVERIES.labels(kind=str(kind), outcome=str(outcome)).inc()


def on_scrape(app: Flask, hook: Callable[[], object]) -> None:
    """Run `hook` (in the request's app context) each time this app's /metrics is read,
    e.g. to set a gauge from the database. A hook failing on the database is skipped."""
    app.extensions.setdefault(SCRAPE_HOOKS, []).append(hook)


def scrape_hooks(app: Flask) -> list[Callable[[], object]]:
    """The hooks registered with `on_scrape`, in order."""
    return list(app.extensions.get(SCRAPE_HOOKS, ()))
