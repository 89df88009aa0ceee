"""/manage/mail: organizers read every message, filter by status and retry failed ones."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image

from festa.audit.models import AuditEntry
from festa.extensions import db
from festa.outbox.models import OutboxMessage
from festa.registration.mail import queue_registration_mail
from tests.factories import make_registration, make_ticket


@pytest.fixture
def mails(app):
    ticket = make_ticket(name="박지민", email="jimin@example.test", locale="ko")
    confirmation = queue_registration_mail(ticket.registration, "confirmation")
    other = make_registration(email="broken@example.test", locale="en")
    failed = queue_registration_mail(other, "manage_link")
    failed.status, failed.attempts, failed.last_error = "failed", 10, "SMTPServerDisconnected: gone"
    db.session.commit()
    return {"ticket": ticket, "confirmation": confirmation, "failed": failed}


def _paths(mails) -> list[str]:
    m = mails["confirmation"].id
    return ["/manage/mail", f"/manage/mail/{m}", f"/manage/mail/{m}/preview",
            f"/manage/mail/{m}/attachments/0"]


def test_anonymous_is_sent_to_login(client, mails):
    for path in _paths(mails):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post(f"/manage/mail/{mails['failed'].id}/retry").status_code == 302


def test_door_staff_may_not_read_mail(client, auth, mails):
    auth.login("door")
    for path in _paths(mails):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/manage/mail/{mails['failed'].id}/retry").status_code == 403


def test_list_and_filter(client, auth, mails):
    auth.login("organizer")
    html = client.get("/manage/mail?lang=en").get_data(as_text=True)
    assert "jimin@example.test" in html and "broken@example.test" in html
    assert "No SMTP server is configured" in html  # the demo: mail waits here
    assert "SMTPServerDisconnected: gone" in html
    failed_only = client.get("/manage/mail?status=failed&lang=en").get_data(as_text=True)
    assert "broken@example.test" in failed_only and "jimin@example.test" not in failed_only


def test_list_in_korean(client, auth, mails):
    # One language per test: Flask-Babel keeps the locale on the test's app context.
    auth.login("organizer")
    korean = client.get("/manage/mail?lang=ko").get_data(as_text=True)
    assert "받는 사람" in korean and "입장권" in korean and "실패" in korean


def test_read_one_message(client, auth, mails):
    auth.login("organizer")
    message_id = mails["confirmation"].id
    html = client.get(f"/manage/mail/{message_id}?lang=en").get_data(as_text=True)
    assert "박지민 님, 안녕하세요." in html  # the text part, in the attendee's language
    assert f"/manage/mail/{message_id}/preview" in html and 'sandbox=""' in html
    assert "ticket-qr.png" in html and "festa.ics" in html
    preview = client.get(f"/manage/mail/{message_id}/preview")
    assert preview.mimetype == "text/html"
    assert "data:image/png;base64," in preview.get_data(as_text=True)
    assert "default-src 'none'" in preview.headers["Content-Security-Policy"]
    png = client.get(f"/manage/mail/{message_id}/attachments/0")
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))
    assert [r.text for r in decoded] == [mails["ticket"].code]
    assert client.get(f"/manage/mail/{message_id}/attachments/9").status_code == 404
    assert client.get("/manage/mail/999999").status_code == 404


def test_retry_a_failed_message(client, auth, mails):
    auth.login("organizer")
    message_id = mails["failed"].id
    response = client.post(f"/manage/mail/{message_id}/retry")
    assert response.status_code == 302
    db.session.expire_all()
    message = db.session.get(OutboxMessage, message_id)
    assert (message.status, message.attempts) == ("pending", 0)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "outbox.retry"))
    assert entry.target_id == message_id and entry.user_id is not None


def test_nav_links_to_mail(client, auth, mails):
    auth.login("organizer")
    assert 'href="/manage/mail"' in client.get("/manage/").get_data(as_text=True)
