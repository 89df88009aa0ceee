"""The background worker: delivers on its own, one per process, off under test and demo."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from festa.extensions import db
from festa.outbox import worker
from festa.registration.mail import queue_registration_mail
from tests.factories import make_registration


@pytest.fixture
def stopped_worker():
    yield
    running = worker.current_worker()
    if running is not None:
        running.stop()


def test_worker_delivers_in_the_background(app, smtp_server, stopped_worker):
    queue_registration_mail(make_registration(email="bg@example.test"), "manage_link")
    db.session.commit()
    running = worker.start_worker(app, interval=0.05)
    assert worker.start_worker(app, interval=0.05) is running  # never twice per process
    (message,) = smtp_server.wait_for(1)
    assert message["To"].addresses[0].addr_spec == "bg@example.test"
    running.stop()
    assert not running.is_alive()
    assert len(smtp_server.messages) == 1


def test_a_failing_pass_does_not_stop_the_worker(app, stopped_worker, monkeypatch):
    from festa.outbox import services

    def broken(limit: int = 100) -> int:
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "deliver_due", broken)
    running = worker.OutboxWorker(app, interval=0.01)
    assert running.tick() == 0  # logged, survived


@pytest.mark.parametrize("settings, runs", [
    ({"OUTBOX_WORKER": True, "MAIL_SERVER": "smtp.example", "TESTING": False}, True),
    ({"OUTBOX_WORKER": False, "MAIL_SERVER": "smtp.example", "TESTING": False}, False),
    # without SMTP it still runs (webhooks); mail waits: the mail deliverer is disabled
    ({"OUTBOX_WORKER": True, "MAIL_SERVER": None, "TESTING": False}, True),
    ({"OUTBOX_WORKER": True, "MAIL_SERVER": "smtp.example", "TESTING": True}, False),
])
def test_when_the_worker_runs(app, settings, runs):
    app.config.update(settings)
    app.testing = settings["TESTING"]
    assert worker.should_run(app) is runs


def test_without_mail_server_mail_waits_even_with_a_worker(app, stopped_worker):
    queue_registration_mail(make_registration(), "manage_link")
    db.session.commit()
    running = worker.OutboxWorker(app, interval=0.01)
    assert running.tick() == 0
    from festa.outbox.models import OutboxMessage

    assert db.session.scalar(sa.select(OutboxMessage.status)) == "pending"


def test_app_under_test_starts_no_worker(app):
    assert worker.current_worker() is None or not worker.current_worker().is_alive()


def test_poll_interval_and_mail_timeout_come_from_the_environment(monkeypatch, tmp_path):
    from festa.config import load_settings

    monkeypatch.delenv("OUTBOX_POLL_SECONDS", raising=False)
    monkeypatch.delenv("MAIL_TIMEOUT", raising=False)
    defaults = load_settings(tmp_path)
    assert (defaults["OUTBOX_POLL_SECONDS"], defaults["MAIL_TIMEOUT"]) == (5, 30)
    monkeypatch.setenv("OUTBOX_POLL_SECONDS", "0.5")
    monkeypatch.setenv("MAIL_TIMEOUT", "7")
    settings = load_settings(tmp_path)
    assert (settings["OUTBOX_POLL_SECONDS"], settings["MAIL_TIMEOUT"]) == (0.5, 7)
