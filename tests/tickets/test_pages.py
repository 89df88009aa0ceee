"""The ticket page, its QR images (decoded by a real decoder) and its calendar file."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import timedelta

import icalendar
import pytest
import zxingcpp
from PIL import Image

from festa.extensions import db
from festa.tickets.codes import sign_ticket
from festa.tickets.services import revoke_ticket, ticket_links
from tests.factories import make_event, make_room, make_session, make_ticket, seoul


@pytest.fixture
def ticket(app):
    event = make_event(name_ko="AI 서울 페스타", name_en="AI Seoul Festa")
    room = make_room(venue=event.venue, name_ko="그랜드볼룸", name_en="Grand Ballroom")
    workshop = make_session(event, room, start=seoul(event.start_date, 14),
                            title_ko="생성형 AI 워크숍", title_en="Generative AI workshop",
                            reservation_required=True, capacity=30)
    make_session(event, room, title_ko="기조연설", title_en="Keynote")
    ticket = make_ticket(event=event, sessions=[workshop], name="김서울",
                         organization="서울AI재단")
    db.session.commit()
    return ticket


def test_links_are_absolute(app, ticket):
    links = ticket_links(ticket)
    base = f"http://127.0.0.1:5000/tickets/{ticket.code}"
    assert links == {"code": ticket.code, "url": base, "qr_png": base + "/qr.png",
                     "qr_svg": base + "/qr.svg"}


def test_ticket_page_in_korean(client, ticket):
    response = client.get(f"/tickets/{ticket.code}?lang=ko")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    day = ticket.event.start_date
    assert "김서울" in html and "서울AI재단" in html and "AI 서울 페스타" in html
    assert f"{day.year}년 {day.month}월 {day.day}일" in html
    assert "생성형 AI 워크숍" in html and "그랜드볼룸" in html and "14:00–15:00" in html
    assert f'/tickets/{ticket.code}/qr.svg' in html
    assert f'/tickets/{ticket.code}/calendar.ics' in html
    assert 'data-ticket-state="valid"' in html
    assert "/manage" not in html  # the manage link is personal: not on a page one may show
    assert "no-cache" in response.headers["Cache-Control"]
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_ticket_page_in_english(client, ticket):
    html = client.get(f"/tickets/{ticket.code}?lang=en").get_data(as_text=True)
    assert "AI Seoul Festa" in html and "Generative AI workshop" in html
    assert ticket.event.start_date.strftime("%a, %b ") in html
    assert "Add to calendar" in html


def test_revoked_ticket_shows_a_banner_and_no_qr(client, ticket):
    revoke_ticket(ticket, "organizer")
    db.session.commit()
    response = client.get(f"/tickets/{ticket.code}?lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'role="alert"' in html and "no longer valid" in html
    assert "qr.svg" not in html and 'data-ticket-state="revoked"' in html


def test_cancelled_registration_counts_as_revoked(client, ticket):
    ticket.registration.status = "cancelled"
    db.session.commit()
    html = client.get(f"/tickets/{ticket.code}").get_data(as_text=True)
    assert 'data-ticket-state="revoked"' in html


def _forged(code: str) -> str:
    index = 50
    return code[:index] + ("B" if code[index] != "B" else "C") + code[index + 1:]


@pytest.mark.parametrize("suffix", ["", "/qr.png", "/qr.svg", "/calendar.ics"])
def test_forged_malformed_or_unknown_codes_are_not_found(app, client, ticket, suffix):
    unknown, _ = sign_ticket(999_999, ticket.event_id)  # well signed, never issued
    for code in (_forged(ticket.code), ticket.code[:-3], "nonsense", unknown):
        response = client.get(f"/tickets/{code}{suffix}")
        assert response.status_code == 404, (code, suffix)
    html = client.get(f"/tickets/{_forged(ticket.code)}").get_data(as_text=True)
    assert "<html" in html  # the friendly error page, not a bare message


def test_qr_png_decodes_to_exactly_the_code(client, ticket):
    response = client.get(f"/tickets/{ticket.code}/qr.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    image = Image.open(io.BytesIO(response.data))
    results = zxingcpp.read_barcodes(image)
    assert [r.text for r in results] == [ticket.code]
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode
    assert results[0].symbology_identifier  # a real decode, with the QR's own identifier
    # quiet zone: the outer 4 modules (40 px) are white all round
    assert image.convert("L").crop((0, 0, image.width, 40)).getextrema() == (255, 255)


def test_qr_svg_is_valid_xml(client, ticket):
    response = client.get(f"/tickets/{ticket.code}/qr.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    root = ET.fromstring(response.data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.find("{http://www.w3.org/2000/svg}path") is not None


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_qr_images_are_cached(app, client, ticket, fmt):
    first = client.get(f"/tickets/{ticket.code}/qr.{fmt}")
    assert "immutable" in first.headers["Cache-Control"]
    assert "max-age=31536000" in first.headers["Cache-Control"]
    etag = first.headers["ETag"]
    again = client.get(f"/tickets/{ticket.code}/qr.{fmt}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data
    from festa.tickets.qr import _cache_path

    assert _cache_path(ticket.code, fmt).read_bytes() == first.data


def test_calendar_file(client, ticket):
    response = client.get(f"/tickets/{ticket.code}/calendar.ics?lang=ko")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    cal = icalendar.Calendar.from_ical(response.data)
    zones = [tz["TZID"] for tz in cal.walk("VTIMEZONE")]
    assert zones == ["Asia/Seoul"]
    events = cal.walk("VEVENT")
    event = ticket.event
    days = [e for e in events if str(e["SUMMARY"]) == "AI 서울 페스타"]
    # One entry per festival day (not one spanning the nights), then the reserved session.
    assert len(days) == (event.end_date - event.start_date).days + 1 >= 2
    assert [str(e["SUMMARY"]) for e in events[len(days):]] == ["생성형 AI 워크숍"]
    first, last = days[0], days[-1]
    sessions = [s for s in event.sessions if s.starts_at.date() <= event.start_date]
    assert first.decoded("DTSTART") == min(s.starts_at for s in sessions)
    assert first.decoded("DTEND") == max(s.ends_at for s in sessions)
    assert first["DTSTART"].params["TZID"] == "Asia/Seoul"
    assert last.decoded("DTSTART") == event.end_date  # no programme that day: the whole day
    workshop = events[len(days)]
    assert workshop["DTSTART"].params["TZID"] == "Asia/Seoul"
    assert workshop.decoded("DTSTART").hour == 14
    assert "그랜드볼룸" in str(workshop["LOCATION"])
    assert ticket.code in str(first["URL"])
    # The same UIDs on every download, the calendar's own included.
    again = icalendar.Calendar.from_ical(client.get(f"/tickets/{ticket.code}/calendar.ics").data)
    assert str(again["UID"]) == str(cal["UID"])
    assert [str(e["UID"]) for e in again.walk("VEVENT")] == [str(e["UID"]) for e in events]
    assert len({str(e["UID"]) for e in events}) == len(events)


def test_calendar_without_programme_is_all_day(app, client):
    ticket = make_ticket(event=make_event())
    db.session.commit()
    cal = icalendar.Calendar.from_ical(client.get(f"/tickets/{ticket.code}/calendar.ics").data)
    days = cal.walk("VEVENT")
    assert [day.decoded("DTSTART") for day in days] == [
        ticket.event.start_date + timedelta(days=n) for n in range(len(days))]
    assert days[-1].decoded("DTSTART") == ticket.event.end_date
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Asia/Seoul"]
