"""The outbox: transactional enqueue, delivery over real SMTP, back-off, exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from festa.dbtypes import utcnow
from festa.extensions import db
from festa.outbox import services
from festa.outbox.models import OutboxMessage
from festa.registration.mail import queue_registration_mail
from tests.factories import make_registration, make_ticket


def _rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def _make_due() -> None:
    """Stand-in for waiting out the back-off: every pending message is due now."""
    db.session.execute(sa.update(OutboxMessage).values(next_attempt_at=utcnow()))
    db.session.commit()


def _queue(n: int = 1, **fields) -> list[OutboxMessage]:
    messages = [queue_registration_mail(make_ticket(**fields).registration, "confirmation")
                for _ in range(n)]
    db.session.commit()
    return messages


def test_outbox_rows_roll_back_with_the_transaction(app):
    registration = make_registration()
    db.session.commit()
    queue_registration_mail(registration, "manage_link")
    db.session.rollback()
    assert _rows() == []
    queue_registration_mail(registration, "manage_link")
    db.session.commit()
    assert [m.topic for m in _rows()] == ["manage_link"]


def test_without_mail_server_mail_stays_in_the_outbox(app):
    _queue()
    assert app.config["MAIL_SERVER"] is None
    assert services.deliver_due() == 0
    (row,) = _rows()
    assert (row.status, row.attempts, row.locked_until) == ("pending", 0, None)


def test_delivered_once(app, smtp_server):
    (queued,) = _queue(email="kim@example.test")
    assert services.deliver_due() == 1
    assert services.deliver_due() == 0
    assert len(smtp_server.messages) == 1
    assert smtp_server.envelopes[0].rcpt_tos == ["kim@example.test"]
    (row,) = _rows()
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, "")
    assert row.sent_at is not None and row.locked_until is None
    received = smtp_server.messages[0]
    assert received["Message-ID"] in row.payload.decode("ascii")  # rendered once, kept


def test_smtp_down_then_delivered_later_exactly_once(app, smtp_server):
    _queue()
    smtp_server.stop()
    before = utcnow()
    assert services.deliver_due() == 0
    (row,) = _rows()
    assert (row.status, row.attempts) == ("pending", 1)
    assert "Connection" in row.last_error or "refused" in row.last_error.lower()
    wait = row.next_attempt_at - before
    assert timedelta(seconds=29) <= wait <= timedelta(seconds=31)  # first back-off: 30 s
    assert services.deliver_due() == 0  # not due yet: nothing is tried
    assert _rows()[0].attempts == 1

    smtp_server.start()  # the mail server is back (same port)
    assert services.deliver_due() == 0  # still backing off
    _make_due()
    assert services.deliver_due() == 1
    _make_due()
    assert services.deliver_due() == 0
    assert len(smtp_server.messages) == 1
    (row,) = _rows()
    assert (row.status, row.attempts) == ("sent", 2)


def test_retry_keeps_the_message_id(app, smtp_server):
    (queued,) = _queue()
    smtp_server.stop()
    services.deliver_due()
    smtp_server.start()
    _make_due()
    services.deliver_due()
    stored = services_message_id(queued)
    assert smtp_server.messages[0]["Message-ID"] == stored


def services_message_id(message: OutboxMessage) -> str:
    from festa.outbox.queries import read_mail

    return read_mail(db.session.get(OutboxMessage, message.id)).headers["Message-ID"]


def test_claims_honour_the_limit_and_leases(app):
    for n in range(5):
        services.enqueue("mail", "test", f"r{n}@example.test", b"x")
    db.session.commit()
    first = services.claim_due(["mail"], 2)
    second = services.claim_due(["mail"], 2)
    third = services.claim_due(["mail"], 2)
    assert len(first) == 2 and len(second) == 2 and len(third) == 1
    assert len(set(first + second + third)) == 5
    assert services.claim_due(["mail"], 2) == []  # all leased
    later = utcnow() + services.LEASE + timedelta(seconds=1)
    assert len(services.claim_due(["mail"], 10, now=later)) == 5  # a dead worker's lease ends


def test_backoff_doubles_up_to_an_hour():
    assert [services.backoff(n).total_seconds() for n in range(1, 10)] == [
        30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


@pytest.mark.app_config(OUTBOX_MAX_ATTEMPTS=3, MAIL_SERVER="127.0.0.1", MAIL_PORT=1)
def test_gives_up_after_the_last_attempt(app):
    _queue()
    for attempt in (1, 2, 3):
        _make_due()
        assert services.deliver_due() == 0
        assert _rows()[0].attempts == attempt
    (row,) = _rows()
    assert row.status == "failed"
    _make_due()
    services.deliver_due()
    assert _rows()[0].attempts == 3  # failed messages are left alone


def test_refused_address_fails_at_once_and_temporary_refusal_retries(app, smtp_server):
    _queue(email="reject-me@example.test")
    _queue(email="later@example.test")
    assert services.deliver_due() == 0
    rejected, later = _rows()
    assert rejected.status == "failed" and "550" in rejected.last_error
    assert later.status == "pending" and later.attempts == 1
    assert smtp_server.messages == []


def test_retry_now_puts_a_failed_message_back(app, smtp_server):
    _queue()
    (row,) = _rows()
    row.status, row.attempts = "failed", 10
    db.session.commit()
    assert services.deliver_due() == 0
    services.retry_now(row)
    db.session.commit()
    assert services.deliver_due() == 1
    assert len(smtp_server.messages) == 1


def test_other_kinds_wait_for_their_deliverer(app, smtp_server):
    services.enqueue("pigeon", "test", "coo", b"{}")
    db.session.commit()
    assert services.deliver_due() == 0
    assert _rows()[0].status == "pending"


def test_registered_deliverer_receives_the_message(app):
    seen = []
    services.register_deliverer("testkind", lambda m: seen.append(m.payload) or 204)
    try:
        services.enqueue("testkind", "ping", "nowhere", b"hello")
        db.session.commit()
        assert services.deliver_due() == 1
    finally:
        services._registry.pop("testkind")
    assert seen == [b"hello"]
    assert _rows()[0].last_status_code == 204


def test_cli_sends_and_says_how_many(app, runner, smtp_server):
    _queue(2)
    result = runner.invoke(args=["festa", "mail", "send"])
    assert result.exit_code == 0, result.output
    assert "Sent 2 message(s)." in result.output
    assert len(smtp_server.messages) == 2


def test_cli_without_mail_server(app, runner):
    _queue()
    result = runner.invoke(args=["festa", "mail", "send"])
    assert "Sent 0 message(s)." in result.output
    assert "1 message(s) still waiting in the outbox (MAIL_SERVER is not set)." in result.output
