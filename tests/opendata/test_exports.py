"""Organizers' downloads (CSV with BOM, XLSX), the agenda feed, tokens, webhooks pages."""

from __future__ import annotations

import csv
import io

import icalendar
import openpyxl
import pytest
import sqlalchemy as sa

from festa.auth.models import ApiToken
from festa.checkin.devices import entrance_checkpoint
from festa.checkin.services import decide_scan
from festa.dbtypes import utcnow
from festa.extensions import db
from festa.opendata import calendars
from festa.outbox.models import OutboxMessage
from festa.registration.models import Bookmark, Reservation
from festa.registration.services import cancel_registration, register
from festa.webhooks.models import Webhook
from tests.factories import make_registration, make_ticket


@pytest.fixture
def attendance(programme):
    """Two attendees (one named like a formula), one of them checked in at the entrance."""
    first = make_ticket(make_registration(programme.event, [programme.workshop],
                                          name="김민지", organization="서울시"))
    make_registration(programme.event, name="=HYPERLINK(\"http://x\")", email="evil@x.test")
    checkpoint = entrance_checkpoint(programme.event)
    db.session.commit()
    decide_scan(checkpoint, first.code)
    decide_scan(checkpoint, "forged-code")
    return first


def test_attendees_csv_has_bom_and_neutralised_formulas(client, auth, programme, attendance):
    auth.login("organizer")
    response = client.get(f"/manage/events/{programme.event.id}/export/attendees.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert len(rows) == 3
    names = [row[1] for row in rows[1:]]
    assert "김민지" in names and "'=HYPERLINK(\"http://x\")" in names
    minji = next(row for row in rows if row[1] == "김민지")
    assert "실습 워크숍" in minji[-1]


def test_attendees_and_checkins_xlsx_open_with_openpyxl(client, auth, programme, attendance):
    auth.login("organizer")
    base = f"/manage/events/{programme.event.id}/export"
    attendees = openpyxl.load_workbook(io.BytesIO(client.get(f"{base}/attendees.xlsx").data))
    sheet = attendees.active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert len(values) == 3
    evil = next(row for row in values if str(row[1]).startswith("="))
    assert sheet.cell(row=values.index(evil) + 1, column=2).data_type == "s"  # not a formula

    checkins = openpyxl.load_workbook(io.BytesIO(client.get(f"{base}/checkins.xlsx").data))
    rows = [[c.value for c in row] for row in checkins.active.iter_rows(min_row=2)]
    assert sorted(row[4] for row in rows) == ["invalid", "ok"]
    ok = next(row for row in rows if row[4] == "ok")
    assert ok[6] == "김민지" and ok[7] == attendance.registration_id
    csv_rows = client.get(f"{base}/checkins.csv").data.decode("utf-8-sig").splitlines()
    assert len(csv_rows) == 3


def test_programme_exports(client, auth, programme):
    auth.login("organizer")
    base = f"/manage/events/{programme.event.id}/export"
    rows = list(csv.DictReader(io.StringIO(
        client.get(f"{base}/programme.csv").data.decode("utf-8-sig"))))
    assert len(rows) == 4
    dialogue = next(r for r in rows if r["title_en"] == "Special dialogue")
    assert dialogue["speakers_ko"] == "오세훈; 제리 캐플런"
    assert dialogue["speakers_en"] == "Oh Se-hoon; Jerry Kaplan"
    assert (dialogue["start"], dialogue["room_en"]) == ("11:00", "Grand Ballroom")
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"{base}/programme.xlsx").data))
    assert book.active.max_row == 5
    assert client.get(f"{base}/nothing.csv").status_code == 404
    assert client.get(f"{base}/programme.pdf").status_code == 404


PAGES = ("/manage/open-data", "/manage/events/{id}/open-data", "/manage/events/{id}/import",
         "/manage/events/{id}/export/attendees.csv", "/manage/events/{id}/export/checkins.xlsx",
         "/manage/events/{id}/webhooks", "/manage/import-template.csv", "/manage/tokens")


@pytest.mark.parametrize(("role", "status"), [(None, 302), ("door", 403), ("organizer", 200),
                                              ("admin", 200)])
def test_organizer_pages_access(client, auth, programme, role, status):
    if role:
        auth.login(role)
    for path in PAGES:
        response = client.get(path.format(id=programme.event.id))
        assert response.status_code == status, path


def test_agenda_feed_lists_reserved_and_bookmarked_sessions(client, programme):
    registration = make_registration(programme.event, [programme.workshop])
    db.session.add(Bookmark(registration_id=registration.id, session_id=programme.keynote.id))
    db.session.add(Reservation(registration=registration, session=programme.dialogue,
                               status="waitlisted", waitlisted_at=utcnow()))
    db.session.commit()
    old_url = calendars.agenda_url(registration)
    assert old_url.startswith("http://127.0.0.1:5000/agenda/")
    assert calendars.agenda_url(registration, webcal=True).startswith("webcal://127.0.0.1:5000/")
    response = client.get(old_url.replace("http://127.0.0.1:5000", ""))
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert "no-store" in response.headers["Cache-Control"]
    cal = icalendar.Calendar.from_ical(response.data)
    events = {str(e["UID"]): e for e in cal.events}
    assert sorted(events) == sorted(f"session-{s.id}@127.0.0.1" for s in (
        programme.workshop, programme.keynote, programme.dialogue))
    assert str(events[f"session-{programme.dialogue.id}@127.0.0.1"]["STATUS"]) == "TENTATIVE"
    assert str(events[f"session-{programme.workshop.id}@127.0.0.1"]["STATUS"]) == "CONFIRMED"
    assert str(cal["UID"]) == f"agenda-{registration.id}@127.0.0.1"
    assert [tz["TZID"] for tz in cal.timezones] == ["Asia/Seoul"]
    # Rotating the token revokes the old URL.
    calendars.rotate_agenda_token(registration)
    db.session.commit()
    assert client.get(old_url.replace("http://127.0.0.1:5000", "")).status_code == 404
    assert client.get(f"/agenda/{registration.agenda_token}.ics").status_code == 200
    registration.status = "cancelled"
    db.session.commit()
    assert client.get(f"/agenda/{registration.agenda_token}.ics").status_code == 404


def test_tokens_page_shows_a_token_once_and_revokes(client, auth, app):
    user = auth.login("organizer")
    page = client.post("/manage/tokens", data={"name": "dashboard"})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    token = html.split('id="new-token">', 1)[1].split("<", 1)[0]
    assert len(token) > 30
    assert token not in client.get("/manage/tokens").get_data(as_text=True)
    stats = client.get("/api/v1/openapi.json")  # sanity: the API answers
    assert stats.status_code == 200
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == user.id))
    assert row.name == "dashboard" and row.token_hash != token
    auth.logout()
    from festa.auth.services import user_for_api_token

    assert user_for_api_token(token).id == user.id
    auth.login("organizer")
    assert client.post(f"/manage/tokens/{row.id}/revoke").status_code == 302
    assert user_for_api_token(token) is None
    other = auth.login("admin")
    assert client.post(f"/manage/tokens/{row.id}/revoke").status_code == 404
    assert other.id != user.id


def test_token_cli_prints_only_the_token(runner, app):
    from tests.factories import make_user

    make_user(email="cli@festa.test", role="organizer")
    db.session.commit()
    result = runner.invoke(args=["festa", "token", "create", "cli@festa.test"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert "\n" not in token and len(token) > 30
    from festa.auth.services import user_for_api_token

    assert user_for_api_token(token).email == "cli@festa.test"
    missing = runner.invoke(args=["festa", "token", "create", "nobody@festa.test"])
    assert missing.exit_code != 0
    make_user(email="door@festa.test", role="door")
    db.session.commit()
    assert runner.invoke(args=["festa", "token", "create", "door@festa.test"]).exit_code != 0


def test_webhooks_page_adds_pauses_and_logs(client, auth, programme):
    auth.login("organizer")
    url = f"/manage/events/{programme.event.id}/webhooks"
    bad = client.post(url, data={"url": "ftp://x", "topics": ["registration.created"]})
    assert bad.status_code == 422
    added = client.post(url, data={"url": "http://127.0.0.1:9/hook",
                                   "topics": ["registration.created", "registration.cancelled",
                                              "checkin.created"]})
    assert added.status_code == 302
    hook = db.session.scalar(sa.select(Webhook))
    assert hook.secret in client.get(url).get_data(as_text=True)

    registration = register(programme.event, "박서준", "seojun@example.test")
    cancel_registration(registration)
    topics = db.session.scalars(sa.select(OutboxMessage.topic).where(
        OutboxMessage.kind == "webhook").order_by(OutboxMessage.id)).all()
    assert topics == ["registration.created", "registration.cancelled"]
    page = client.get(url).get_data(as_text=True)
    assert page.count('data-status="pending"') == 2

    client.post(f"/manage/webhooks/{hook.id}/active")
    assert db.session.get(Webhook, hook.id).active is False
    message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "webhook"))
    assert client.post(f"/manage/webhook-deliveries/{message.id}/retry").status_code == 302
    mail = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "mail"))
    assert client.post(f"/manage/webhook-deliveries/{mail.id}/retry").status_code == 404
    client.post(f"/manage/webhooks/{hook.id}/delete")
    assert db.session.scalar(sa.select(sa.func.count(Webhook.id))) == 0


def test_attendee_manage_page_offers_the_agenda_feed_and_a_new_link(client, programme):
    from festa.registration.services import manage_url

    registration = register(programme.event, "이서연", "seoyeon@example.test")
    page_url = manage_url(registration).replace("http://127.0.0.1:5000", "")
    html = client.get(page_url).get_data(as_text=True)
    old = registration.agenda_token
    assert f"webcal://127.0.0.1:5000/agenda/{old}.ics" in html
    token = page_url.rstrip("/").rsplit("/", 1)[1]
    response = client.post(f"/registrations/manage/{token}/agenda/new-link")
    assert response.status_code == 302 and response.location.endswith("#agenda-feed")
    db.session.refresh(registration)
    assert registration.agenda_token != old
    assert client.get(f"/agenda/{old}.ics").status_code == 404
    assert client.post("/registrations/manage/forged/agenda/new-link").status_code == 403
