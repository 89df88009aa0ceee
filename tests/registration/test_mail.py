"""Registration mail: the attendee's language, the ticket inline and attached, the .ics,
and what actually arrives at a real SMTP server."""

from __future__ import annotations

import email
import io
import re
from email.policy import default

import icalendar
import pytest
import zxingcpp
from PIL import Image

from festa.extensions import db
from festa.outbox.models import OutboxMessage
from festa.outbox.services import deliver_due, rendered
from festa.registration.mail import TOPICS, queue_registration_mail
from festa.registration.services import registration_for_manage_token
from festa.tickets.services import revoke_ticket, ticket_links
from tests.factories import make_event, make_registration, make_session, make_ticket, seoul


@pytest.fixture
def ticket(app):
    event = make_event(name_ko="AI 서울 페스타", name_en="AI Seoul Festa")
    workshop = make_session(event, start=seoul(event.start_date, 14), capacity=20,
                            reservation_required=True, title_ko="로봇 워크숍",
                            title_en="Robotics workshop")
    ticket = make_ticket(event=event, sessions=[workshop], name="이서연",
                         email="seoyeon@example.test", locale="ko")
    db.session.commit()
    return ticket


def _parse(message) -> email.message.EmailMessage:
    return email.message_from_bytes(rendered(message).payload, policy=default)


def _text(msg) -> str:
    return msg.get_body(("plain",)).get_content()


def _html(msg) -> str:
    return msg.get_body(("html",)).get_content()


def _attachments(msg) -> dict[str, bytes]:
    return {p.get_filename(): p.get_payload(decode=True) for p in msg.iter_attachments()}


def test_confirmation_in_korean(ticket):
    registration = ticket.registration
    msg = _parse(queue_registration_mail(registration, "confirmation"))
    assert msg["Subject"] == "AI 서울 페스타 입장권"
    assert msg["To"].addresses[0].addr_spec == "seoyeon@example.test"
    assert msg["To"].addresses[0].display_name == "이서연"
    assert msg["Content-Language"] == "ko"
    text = _text(msg)
    day = ticket.event.start_date
    assert "이서연 님, 안녕하세요." in text
    assert "참가 등록이 확정되었습니다" in text
    assert f"{day.year}년 {day.month}월 {day.day}일" in text
    assert "로봇 워크숍" in text and "14:00–15:00" in text
    assert ticket_links(ticket)["url"] in text
    token = re.search(r"/registrations/manage/(\S+)", text).group(1)
    assert registration_for_manage_token(token).id == registration.id
    assert "입장권 열기" in _html(msg)


def test_confirmation_in_english(ticket):
    ticket.registration.locale = "en"
    msg = _parse(queue_registration_mail(ticket.registration, "confirmation"))
    assert msg["Subject"] == "Your ticket for AI Seoul Festa"
    text = _text(msg)
    assert "Hello 이서연," in text and "Robotics workshop" in text
    assert ticket.event.start_date.strftime("%b") in text
    assert "Open your ticket" in _html(msg)


def test_confirmation_carries_the_ticket(ticket):
    msg = _parse(queue_registration_mail(ticket.registration, "confirmation"))
    html_part = msg.get_body(("html",))
    inline = [p for p in msg.walk() if p.get("Content-ID")]
    assert len(inline) == 1 and inline[0].get_content_type() == "image/png"
    cid = inline[0]["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in html_part.get_content()
    files = _attachments(msg)
    assert set(files) == {"ticket-qr.png", "festa.ics"}
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(files["ticket-qr.png"])))
    assert [r.text for r in decoded] == [ticket.code]
    cal = icalendar.Calendar.from_ical(files["festa.ics"])
    days = (ticket.event.end_date - ticket.event.start_date).days + 1
    # One entry per festival day, then the reserved workshop.
    summaries = [str(e["SUMMARY"]) for e in cal.walk("VEVENT")]
    assert summaries == ["AI 서울 페스타"] * days + ["로봇 워크숍"]
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Asia/Seoul"]


def test_waitlisted_mail_tells_the_position(app):
    from datetime import timedelta

    from festa.dbtypes import utcnow

    event = make_event()
    first = make_registration(event, status="waitlisted", waitlisted_at=utcnow())
    second = make_registration(event, status="waitlisted",
                               waitlisted_at=utcnow() + timedelta(seconds=1))
    assert first.id < second.id
    msg = _parse(queue_registration_mail(second, "waitlisted"))
    assert "대기 순번: 2번" in _text(msg)
    assert _attachments(msg) == {}  # no ticket while waiting


def test_session_mails_name_the_session(ticket):
    workshop = ticket.registration.reservations[0].session
    msg = _parse(queue_registration_mail(ticket.registration, "session_promoted",
                                         session=workshop))
    assert msg["Subject"] == "로봇 워크숍 좌석이 확정되었습니다"
    assert set(_attachments(msg)) == {"festa.ics"}


def test_cancelled_and_revoked_mail_have_no_ticket_and_no_manage_link(ticket):
    revoke_ticket(ticket, "cancelled")
    for topic in ("cancelled", "ticket_revoked"):
        msg = _parse(queue_registration_mail(ticket.registration, topic))
        assert _attachments(msg) == {}
        assert ticket.code not in _text(msg) and "cid:" not in _html(msg)


@pytest.mark.parametrize("topic", TOPICS)
def test_every_topic_in_both_languages(ticket, topic):
    session = ticket.registration.reservations[0].session
    subjects = {}
    for lang in ("ko", "en"):
        ticket.registration.locale = lang
        msg = _parse(queue_registration_mail(ticket.registration, topic, session=session))
        subjects[lang] = msg["Subject"]
        assert _text(msg).strip() and "<html" in _html(msg)
    assert subjects["ko"] != subjects["en"]
    own_words = subjects["ko"].replace("AI 서울 페스타", "").replace("로봇 워크숍", "")
    assert any("\uac00" <= ch <= "\ud7a3" for ch in own_words)  # translated, not just names


def test_names_are_escaped_in_html(app):
    registration = make_registration(name="<b>Kim</b> & Co")
    msg = _parse(queue_registration_mail(registration, "manage_link"))
    assert "&lt;b&gt;Kim&lt;/b&gt; &amp; Co" in _html(msg)
    assert "<b>Kim</b> & Co" in _text(msg)


def test_unknown_topic_is_refused(ticket):
    with pytest.raises(ValueError):
        queue_registration_mail(ticket.registration, "spam")


def test_mail_arrives_at_the_smtp_server_intact(ticket, smtp_server):
    english = make_ticket(event=ticket.event, email="jerry@example.test", locale="en",
                          name="Jerry Kaplan")
    queue_registration_mail(ticket.registration, "confirmation")
    queue_registration_mail(english.registration, "confirmation")
    db.session.commit()
    assert deliver_due() == 2
    received = {m["To"].addresses[0].addr_spec: m for m in smtp_server.messages}
    korean, english_mail = received["seoyeon@example.test"], received["jerry@example.test"]
    assert korean["Subject"] == "AI 서울 페스타 입장권"
    assert "이서연 님, 안녕하세요." in _text(korean)
    assert english_mail["Subject"] == "Your ticket for AI Seoul Festa"
    assert "Hello Jerry Kaplan," in _text(english_mail)
    png = _attachments(korean)["ticket-qr.png"]
    assert [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))] == [ticket.code]
    assert icalendar.Calendar.from_ical(_attachments(english_mail)["festa.ics"]).walk("VEVENT")


def _days(msg) -> list:
    cal = icalendar.Calendar.from_ical(_attachments(msg)["festa.ics"])
    return [(e.decoded("DTSTART"), e.decoded("DTEND")) for e in cal.walk("VEVENT")
            if str(e["SUMMARY"]) == "AI 서울 페스타"]


def test_inline_and_attached_qr_are_the_ticket_code(ticket):
    msg = _parse(queue_registration_mail(ticket.registration, "confirmation"))
    inline = [p for p in msg.walk() if p.get("Content-ID")][0].get_payload(decode=True)
    assert inline == _attachments(msg)["ticket-qr.png"]
    assert [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(inline)))] == [
        ticket.code]


def test_mail_statements(ticket, count_queries):
    """One statement for a registration without sessions once the festival days' hours
    are known (per programme version), three with reserved sessions; none of them
    grows with the event."""
    event = ticket.event
    plain = [make_ticket(event=event) for _ in range(2)]
    db.session.commit()
    messages = [queue_registration_mail(t.registration, "confirmation")
                for t in (*plain, ticket)]  # the last one holds a seat in a session
    db.session.commit()
    counts = []
    for message_id in [m.id for m in messages]:
        db.session.expunge_all()  # nothing preloaded, as in the outbox worker
        message = db.session.get(OutboxMessage, message_id)
        with count_queries() as counter:
            rendered(message)
        counts.append(counter.count)
    assert counts == [2, 1, 3], counts  # the first also reads the day hours


def test_day_hours_follow_a_programme_change(ticket):
    """The festival days' hours are kept per programme version: a session moved to
    another hour shows in the next mail's calendar."""
    workshop = ticket.registration.reservations[0].session
    before = _days(_parse(queue_registration_mail(ticket.registration, "confirmation")))
    assert before[0] == (workshop.starts_at, workshop.ends_at)
    workshop.starts_at = seoul(ticket.event.start_date, 9)
    workshop.ends_at = seoul(ticket.event.start_date, 18)
    db.session.commit()
    after = _days(_parse(queue_registration_mail(ticket.registration, "confirmation")))
    assert after[0] == (seoul(ticket.event.start_date, 9), seoul(ticket.event.start_date, 18))
    assert after[1:] == before[1:]
