"""Issue 10, item 7: every reproduction of bad input, replayed, gets the safe answer.

A 4xx naming the field (never a 500, never stored garbage), or — for Korean
internationalised addresses — acceptance and delivery through a real SMTP server."""

from __future__ import annotations

import io
import json
import unicodedata

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from festa.core import inputs
from festa.extensions import db
from festa.outbox.models import OutboxMessage
from festa.outbox.services import deliver_due
from festa.registration.models import Registration
from tests.checkin.helpers import device_token, setup_event
from tests.conftest import SmtpServer
from tests.factories import make_event, make_registration, make_session, make_speaker

HONG_NFD = unicodedata.normalize("NFD", "홍길동")


def _register(client, event, **fields):
    body = {"name": "김민지", "email": "minji@example.com", "consent": True, **fields}
    return client.post(f"/api/v1/events/{event.slug}/registrations", json=body)


def _registrations() -> int:
    return db.session.scalar(sa.select(sa.func.count(Registration.id)))


@pytest.fixture
def event(app):
    event = make_event()
    db.session.commit()
    return event


# ---------------------------------------------------------------- names and text


@pytest.mark.parametrize("name", ["Kim\r\nBcc: victim@example.com", "Kim\nMinji", "Kim\x00",
                                  "Kim\x07", "Kim\u2028Minji", "\u202eevil\u202c",
                                  "abc\u2066def\u2069", "Kim\ufffe"])
def test_control_and_bidi_characters_in_names_are_refused_naming_the_field(client, event,
                                                                           name):
    response = _register(client, event, name=name)
    assert response.status_code == 422
    assert "name" in response.get_json()["error"]["fields"]
    page = client.post(f"/events/{event.slug}/register",
                       data={"name": name, "email": "p@example.com", "consent": "y",
                             "locale": "ko"})
    assert page.status_code == 422
    assert _registrations() == 0


def test_control_characters_in_the_organisation_are_refused(client, event):
    response = _register(client, event, organization="ACME\r\nX-Injected: 1")
    assert response.status_code == 422
    assert "organization" in response.get_json()["error"]["fields"]


def test_text_is_stored_nfc_and_a_decomposed_name_is_found_composed(client, event):
    assert _register(client, event, name=HONG_NFD).status_code == 201
    stored = db.session.scalar(sa.select(Registration.name))
    assert stored == "홍길동" and unicodedata.is_normalized("NFC", stored)
    checkpoint = setup_event(tickets=0)[1]
    checkpoint.event_id = event.id  # the entrance of our event
    db.session.commit()
    token = device_token(checkpoint)
    for query in ("홍길동", HONG_NFD):
        hits = client.get(f"/api/v1/checkpoints/{checkpoint.id}/search",
                          query_string={"q": query},
                          headers={"Authorization": f"Bearer {token}"}).get_json()
        assert [hit["name"] for hit in hits] == ["홍길동"]


def test_a_control_character_stored_earlier_does_not_break_the_xlsx_export(client, auth,
                                                                            event):
    # NUL itself cannot reach PostgreSQL at all; other XML-illegal characters can.
    make_registration(event, name="old\x01row\x0bname")
    db.session.commit()
    auth.login("organizer")
    response = client.get(f"/manage/events/{event.id}/export/attendees.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert "oldrowname" in [cell.value for cell in sheet["B"]]


def test_mail_to_a_name_with_line_breaks_stored_earlier_is_sent_safely(app, smtp_server):
    from festa.outbox.mail import build_message, rendered_mail
    from festa.outbox.services import enqueue

    message = build_message("kim@example.com", "Kim\r\nBcc: victim@example.com",
                            subject="Hi", lang="en", text="x", html="<p>x</p>")
    enqueue("mail", "test", "kim@example.com", rendered_mail(message).payload)
    db.session.commit()
    assert deliver_due() == 1
    [received] = smtp_server.messages
    assert received["Bcc"] is None  # the line break did not start a header of its own
    assert [a.addr_spec for a in received["To"].addresses] == ["kim@example.com"]
    assert smtp_server.envelopes[0].rcpt_tos == ["kim@example.com"]


# ---------------------------------------------------------------- Korean addresses


@pytest.mark.parametrize(("address", "envelope"), [
    ("user@한국.kr", "user@xn--3e0b707e.kr"),
    ("사용자@한국.kr", "사용자@xn--3e0b707e.kr"),
])
def test_korean_addresses_are_accepted_and_delivered(app, client, event, smtp_server, address,
                                                     envelope):
    response = _register(client, event, email=address, locale="ko")
    assert response.status_code == 201, response.get_data(as_text=True)
    assert db.session.scalar(sa.select(Registration.email)) == address
    assert deliver_due() >= 1
    assert smtp_server.envelopes[0].rcpt_tos == [envelope]
    assert envelope in str(smtp_server.messages[0]["To"])


def test_a_utf8_local_part_without_smtputf8_fails_permanently_not_with_a_500(app, client,
                                                                              event):
    server = SmtpServer(smtputf8=False).start()
    app.config.update(server.config())
    try:
        assert _register(client, event, email="사용자@한국.kr").status_code == 201
        assert deliver_due() == 0
        message = db.session.scalar(sa.select(OutboxMessage))
        assert message.status == "failed" and "SMTPUTF8" in message.last_error
        assert server.messages == []
    finally:
        server.stop()


def test_the_registration_page_accepts_a_korean_address(client, event):
    response = client.post(f"/events/{event.slug}/register", data={
        "name": "홍길동", "email": "사용자@한국.kr", "consent": "y", "locale": "ko"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Registration.email)) == "사용자@한국.kr"


# ---------------------------------------------------------------- JSON bodies


def _post_raw(client, event, raw: str):
    return client.post(f"/api/v1/events/{event.slug}/registrations", data=raw,
                       content_type="application/json")


def test_a_lone_surrogate_is_refused_naming_the_field(client, event):
    response = _post_raw(client, event, '{"name": "\\ud800", "email": "a@example.com", '
                                        '"consent": true}')
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"name": [inputs.MESSAGES["surrogate"]]}
    assert _registrations() == 0


def test_deep_json_is_a_400(client, event):
    response = _post_raw(client, event, "[" * 100_000 + "]" * 100_000)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_a_5000_digit_number_is_a_400(client, event):
    response = _post_raw(client, event, '{"sessions": [' + "9" * 5000 + "]}")
    assert response.status_code == 400


def test_a_number_beyond_64_bits_is_a_422_naming_the_field(client, event):
    response = _register(client, event, sessions=[1, 2**70])
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == ["sessions.1"]


def test_an_id_beyond_the_database_is_a_422_not_an_overflow(client, event):
    response = _register(client, event, sessions=[10**17])
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == ["sessions.0"]


# ---------------------------------------------------------------- huge numbers in URLs


HUGE = "99999999999999999999"


@pytest.mark.parametrize("path", [
    "/events/{slug}/sessions/{huge}", "/events/{slug}/speakers/{huge}",
    "/api/v1/registrations/{huge}", "/api/v1/checkpoints/{huge}/search?q=x",
    "/manage/events/{huge}/registrations", "/manage/checkpoints/{huge}/edit",
])
def test_huge_path_ids_are_404(client, auth, event, path):
    auth.login("admin")
    response = client.get(path.format(slug=event.slug, huge=HUGE))
    assert response.status_code == 404


@pytest.mark.parametrize("path", ["/manage/mail", "/manage/audit", "/manage/audit/scans",
                                  "/manage/events/{event_id}/registrations"])
def test_huge_page_numbers_show_a_page(client, auth, event, path):
    auth.login("admin")
    response = client.get(path.format(event_id=event.id), query_string={"page": HUGE})
    assert response.status_code == 200


def test_page_numbers_are_bounded():
    assert inputs.page_number(HUGE) == inputs.MAX_PAGE
    assert inputs.page_number("-3") == 1 and inputs.page_number("x") == 1
    assert inputs.page_number("7") == 7


# ---------------------------------------------------------------- scans


@pytest.mark.parametrize("scanned_at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"])
def test_a_scanned_at_without_a_utc_time_is_a_422(client, scanned_at):
    _event, entrance, [ticket] = setup_event(tickets=1)
    token = device_token(entrance)
    response = client.post(f"/api/v1/checkpoints/{entrance.id}/scans",
                           json={"code": ticket.code, "scanned_at": scanned_at},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422
    assert "scanned_at" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("scanned_at", ["0001-01-02T00:00:00Z", "1899-01-01T00:00:00+09:00"])
def test_a_scanned_at_in_the_distant_past_is_stored_within_the_sane_range(client, scanned_at):
    from festa.checkin.models import Scan

    _event, entrance, [ticket] = setup_event(tickets=1)
    token = device_token(entrance)
    response = client.post(f"/api/v1/checkpoints/{entrance.id}/scans",
                           json={"code": ticket.code, "scanned_at": scanned_at},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert db.session.scalar(sa.select(Scan.scanned_at)) == inputs.EARLIEST


def test_a_scanned_code_with_control_characters_is_just_invalid(client):
    _event, entrance, _tickets = setup_event(tickets=0)
    token = device_token(entrance)
    response = client.post(f"/api/v1/checkpoints/{entrance.id}/scans",
                           json={"code": "AB\x00CD\u202e"},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.get_json()["result"] == "invalid"


# ---------------------------------------------------------------- imports


def _frab(conference: dict) -> bytes:
    base = {"title": "T", "days": [{"index": 1, "date": "2026-03-10", "rooms": {"Hall": [{
        "title": "Talk", "date": "2026-03-10T10:00:00+09:00", "duration": "00:30",
        "type": "talk", "language": "ko", "persons": []}]}}]}
    base.update(conference)
    return json.dumps({"schedule": {"conference": base}}).encode()


def _upload(client, event, name: str, data: bytes):
    return client.post(f"/manage/events/{event.id}/import",
                       data={"upload": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", follow_redirects=True)


@pytest.mark.parametrize("conference", [
    {"days": [{"date": "2026-03-10", "rooms": {"Hall": [{"title": "T", "type": 5,
                                                          "language": ["ko"],
                                                          "date": "2026-03-10T10:00:00+09:00",
                                                          "duration": "00:30"}]}}]},
    {"days": [{"date": "2026-03-10", "rooms": ["Hall"]}]},
    {"tracks": 5},
    {"days": [{"date": "2026-03-10", "rooms": {"Hall": [{"title": "T", "duration": "00:30",
                                                          "date": "0001-01-01T00:00:00+14:00"}]}}]},
])
def test_malformed_schedule_json_fields_are_reported_not_a_500(client, auth, event, conference):
    auth.login("organizer")
    response = _upload(client, event, "schedule.json", _frab(conference))
    assert response.status_code in (200, 422)


def test_a_deep_or_huge_schedule_json_is_reported(client, auth, event):
    auth.login("organizer")
    for data in (b"[" * 100_000, b'{"schedule": ' + b"9" * 5000 + b"}"):
        response = _upload(client, event, "schedule.json", data)
        assert response.status_code in (200, 422)
        assert "JSON" in response.get_data(as_text=True)


def test_a_csv_cell_over_128_kib_is_reported(client, auth, event):
    auth.login("organizer")
    header = ("date,start,end,title_ko,title_en,kind,language,room_ko,room_en,track_ko,"
              "track_en,speakers_ko,speakers_en,capacity,reservation_required\n")
    row = f'2026-03-10,10:00,11:00,"{"가" * 140_000}",T,talk,ko,,,,,,,,no\n'
    response = _upload(client, event, "programme.csv", (header + row).encode())
    assert response.status_code in (200, 422)
    assert "128" in response.get_data(as_text=True)  # "a cell is too large (over 128 KiB)"


# ---------------------------------------------------------------- manage forms share the rules


def test_manage_forms_refuse_control_characters_and_store_nfc(client, auth, event):
    auth.login("organizer")
    session = make_session(event)
    speaker = make_speaker()
    db.session.commit()
    bad = client.post("/manage/staff/new", data={
        "email": "x@example.com", "name": "Bad\x00Name", "role": "door",
        "password": "long-enough-password", "confirm": "long-enough-password"})
    assert bad.status_code in (403, 422)
    assert session.id and speaker.id
    from festa.web.forms import text

    assert text("x").kwargs["filters"][0](HONG_NFD + "  ") == "홍길동"


def test_free_text_answers_follow_the_same_rules(app):
    from festa.registration.questions.models import Question, QuestionKind
    from festa.registration.questions.rules import clean_answer

    short = Question(kind=QuestionKind.SHORT_TEXT, required=False)
    long = Question(kind=QuestionKind.LONG_TEXT, required=False)
    assert clean_answer(short, HONG_NFD).value == "홍길동"
    assert clean_answer(long, "line one\r\nline two").value == "line one\nline two"
    for bad in ("a\x00b", "a\nb", "\u202eab"):
        with pytest.raises(ValueError):
            clean_answer(short, bad)
