"""Several workers at once — threads, and separate processes — never send a message twice."""

from __future__ import annotations

import multiprocessing
import threading

import pytest
import sqlalchemy as sa

from festa.extensions import db
from festa.outbox.models import OutboxMessage
from festa.outbox.services import deliver_due
from festa.registration.mail import queue_registration_mail
from tests.factories import make_event, make_registration

MESSAGES = 24


def _queue_many(n: int = MESSAGES) -> None:
    event = make_event()
    for i in range(n):
        registration = make_registration(event, email=f"p{i}@example.test")
        queue_registration_mail(registration, "manage_link")
    db.session.commit()


def _drain(batch: int = 3) -> int:
    """Deliver in small batches until nothing is due, like a busy worker would."""
    total = 0
    while (sent := deliver_due(limit=batch)) > 0:
        total += sent
    return total


def _assert_each_sent_once(smtp_server) -> None:
    ids = [m["Message-ID"] for m in smtp_server.messages]
    assert len(ids) == MESSAGES and len(set(ids)) == MESSAGES
    recipients = sorted(a for e in smtp_server.envelopes for a in e.rcpt_tos)
    assert recipients == sorted(f"p{i}@example.test" for i in range(MESSAGES))
    db.session.expire_all()
    statuses = db.session.scalars(sa.select(OutboxMessage.status)).all()
    assert statuses == ["sent"] * MESSAGES


def test_concurrent_threads_send_each_message_once(app, smtp_server):
    _queue_many()
    barrier = threading.Barrier(4)
    counts: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with app.app_context():
                barrier.wait()
                counts.append(_drain())
                db.session.remove()
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert sum(counts) == MESSAGES
    _assert_each_sent_once(smtp_server)


def _process_worker(database_url: str, mail: dict, start, results) -> None:
    """Runs in a fresh process: its own app, engine and connections."""
    from festa import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True,
                      "OUTBOX_WORKER": False, **mail})
    with app.app_context():
        db.session.execute(sa.text("SELECT 1"))  # connect before the start signal
        start.wait(30)
        results.put(_drain())
        db.session.remove()
        db.engine.dispose()


def test_concurrent_processes_send_each_message_once(app, smtp_server, database_url,
                                                     is_postgres):
    if not is_postgres:
        pytest.skip("several processes: PostgreSQL (SQLite is covered by the threads test)")
    _queue_many()
    db.session.remove()
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    processes = [
        context.Process(target=_process_worker,
                        args=(database_url, smtp_server.config(), start, results))
        for _ in range(2)
    ]
    for process in processes:
        process.start()
    start.set()
    counts = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(30)
        assert process.exitcode == 0
    assert sum(counts) == MESSAGES
    _assert_each_sent_once(smtp_server)
