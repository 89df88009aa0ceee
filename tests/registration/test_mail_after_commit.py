"""A registration queues its mail as ids; the outbox worker renders it after the commit,
from the database, once, and it arrives exactly once at a real SMTP server."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from festa.extensions import db
from festa.outbox import services as outbox
from festa.outbox.models import OutboxMessage
from festa.registration import mail
from festa.registration.services import register
from tests.factories import make_event, make_session, seoul
from tests.registration.conftest import mails, person


@pytest.fixture
def event(app):
    event = make_event(capacity=1)
    db.session.commit()
    return event


def _row(message_id: int) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


def test_the_transaction_writes_ids_only_and_renders_nothing(event, monkeypatch):
    def no_rendering(*args, **kwargs):
        raise AssertionError("mail rendered inside the registration's transaction")

    monkeypatch.setattr(mail, "qr_png", no_rendering)
    monkeypatch.setattr(mail, "ticket_calendar", no_rendering)
    monkeypatch.setattr(mail, "render_template", no_rendering)
    registration = register(event, **person())
    (row,) = mails(registration=registration)
    assert (row.topic, row.payload, row.recipient) == (
        "confirmation", None, registration.email)
    assert row.registration_id == registration.id


def test_rendered_after_the_commit_and_delivered_exactly_once(event, smtp_server):
    workshop = make_session(event, start=seoul(event.start_date, 14), capacity=1,
                            reservation_required=True, title_en="Robotics workshop")
    db.session.commit()
    first = register(event, **person(locale="en"), session_ids=[workshop.id])
    waiting = register(event, **person(locale="en"))
    assert outbox.deliver_due() == 2
    assert outbox.deliver_due() == 0
    by_address = {m["To"].addresses[0].addr_spec: m for m in smtp_server.messages}
    assert len(smtp_server.messages) == 2
    confirmation = by_address[first.email]
    assert confirmation["Subject"].startswith("Your ticket for")
    assert {p.get_filename() for p in confirmation.iter_attachments()} == {
        "ticket-qr.png", "festa.ics"}
    assert "Robotics workshop" in confirmation.get_body(("plain",)).get_content()
    waitlisted = by_address[waiting.email].get_body(("plain",)).get_content()
    assert "Your place on the waitlist: 1." in waitlisted
    for row in mails():  # rendered once and kept: what was sent is what the row holds
        assert row.status == "sent" and row.payload and row.subject
        sent = by_address[row.recipient]
        assert sent["Message-ID"] in row.payload.decode("ascii")


def test_a_failing_render_is_retried_never_lost(event, smtp_server, monkeypatch):
    registration = register(event, **person())
    (row,) = mails(registration=registration)
    real = outbox._renderers[("mail", "confirmation")]
    monkeypatch.setitem(outbox._renderers, ("mail", "confirmation"),
                        lambda message: (_ for _ in ()).throw(RuntimeError("template bug")))
    assert outbox.deliver_due() == 0
    failed = _row(row.id)
    assert (failed.status, failed.attempts, failed.payload) == ("pending", 1, None)
    assert "template bug" in failed.last_error
    monkeypatch.setitem(outbox._renderers, ("mail", "confirmation"), real)
    db.session.execute(sa.update(OutboxMessage).values(next_attempt_at=failed.created_at))
    db.session.commit()
    assert outbox.deliver_due() == 1
    assert len(smtp_server.messages) == 1 and _row(row.id).status == "sent"


def test_mail_about_a_registration_that_is_gone_fails_for_good(event, smtp_server):
    registration = register(event, **person())
    (row,) = mails(registration=registration)
    row.registration_id = None
    db.session.commit()
    assert outbox.deliver_due() == 0
    assert _row(row.id).status == "failed" and smtp_server.messages == []


def test_organizers_read_mail_not_rendered_yet_without_storing_it(event, client, auth):
    registration = register(event, **person())
    (row,) = mails(registration=registration)
    auth.login("admin")
    page = client.get(f"/manage/mail/{row.id}")
    assert page.status_code == 200
    assert registration.name in page.get_data(as_text=True)
    assert _row(row.id).payload is None  # GET writes nothing; the worker renders it
