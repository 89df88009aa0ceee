"""Organizer pages: lists, search (Hangul-aware), filters, counts, CSV, walk-ins, actions."""

import csv
import io

import pytest

from festa.audit.models import AuditEntry
from festa.extensions import db
from festa.registration import services
from festa.registration.models import Registration
from festa.tickets.models import TicketStatus
from tests.registration.conftest import assert_counters_match, mails, person


@pytest.fixture
def people(event, workshop):
    """오세훈 (confirmed, in the workshop), Jerry Kaplan (confirmed), 김민수 (waitlisted),
    박지은 (cancelled)."""
    event.capacity = 2
    db.session.commit()
    mayor = services.register(event, name="오세훈", email="mayor@seoul.go.kr",
                              organization="서울특별시", session_ids=[workshop.id])
    kaplan = services.register(event, name="Jerry Kaplan", email="kaplan@stanford.edu",
                               organization="Stanford", locale="en")
    kim = services.register(event, name="김민수", email="minsu@example.com",
                            organization="=HYPERLINK(\"x\")")
    gone = services.register(event, **person(name="박지은"))
    services.cancel_registration(gone)
    return {"mayor": mayor, "kaplan": kaplan, "kim": kim, "gone": gone}


def list_page(client, event, **params):
    response = client.get(f"/manage/events/{event.id}/registrations", query_string=params)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def rows(html):
    return [int(n) for n in __import__("re").findall(r'data-registration="(\d+)"', html)]


@pytest.mark.parametrize("path", ["/manage/registrations/", "/manage/events/1/registrations",
                                  "/manage/events/1/registrations.csv",
                                  "/manage/events/1/registrations/new"])
def test_organizers_only(client, auth, event, path):
    assert client.get(path).status_code == 302  # to the login page
    auth.login("door")
    assert client.get(path).status_code == 403


def test_list_counts_and_seats(client, auth, event, workshop, people):
    auth.login("organizer")
    html = list_page(client, event, lang="en")
    assert 'data-count="confirmed">2 / 2' in html
    assert 'data-count="waitlisted">1' in html and 'data-count="cancelled">1' in html
    assert "Prompt workshop" in html
    assert set(rows(html)) == {r.id for r in people.values()}
    assert "place 1" in html


@pytest.mark.parametrize("query, who", [
    ("ㅇㅅㅎ", {"mayor"}), ("오세", {"mayor"}), ("kaplan", {"kaplan"}), ("STANFORD", {"kaplan"}),
    ("서울특별", {"mayor"}), ("example.com", {"kim", "gone"}), ("ㄱㅁㅅ", {"kim"}),
])
def test_search_name_email_organisation(client, auth, event, people, query, who):
    auth.login("organizer")
    assert set(rows(list_page(client, event, q=query))) == {people[w].id for w in who}


@pytest.mark.parametrize("status, who", [
    ("confirmed", {"mayor", "kaplan"}), ("waitlisted", {"kim"}), ("cancelled", {"gone"}),
])
def test_status_filter(client, auth, event, people, status, who):
    auth.login("organizer")
    assert set(rows(list_page(client, event, status=status))) == {people[w].id for w in who}


def test_csv_has_bom_korean_and_no_formulas(client, auth, event, people):
    auth.login("organizer")
    response = client.get(f"/manage/events/{event.id}/registrations.csv?lang=ko")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0][:3] == ["ID", "이름", "이메일"]
    by_email = {row[2]: row for row in table[1:]}
    assert by_email["mayor@seoul.go.kr"][1] == "오세훈"
    assert by_email["mayor@seoul.go.kr"][3] == "서울특별시"
    assert "프롬프트 워크숍 (확정)" in by_email["mayor@seoul.go.kr"][7]
    assert by_email["minsu@example.com"][3].startswith("'=")  # defused
    assert by_email["minsu@example.com"][6] == "1"  # waitlist place
    assert db.session.scalar(db.select(AuditEntry).where(
        AuditEntry.action == "registration.export")).details["rows"] == 4


def test_csv_follows_the_filter(client, auth, event, people):
    auth.login("organizer")
    raw = client.get(f"/manage/events/{event.id}/registrations.csv?status=waitlisted").get_data()
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [row[2] for row in table[1:]] == ["minsu@example.com"]


def test_walk_in_registration(client, auth, event, workshop):
    user = auth.login("organizer")
    page = client.get(f"/manage/events/{event.id}/registrations/new?lang=en")
    assert "The attendee agreed to the privacy notice." in page.get_data(as_text=True)
    response = client.post(f"/manage/events/{event.id}/registrations/new", data={
        "name": "현장 참가자", "email": "walkin@example.com", "locale": "ko",
        "sessions": [str(workshop.id)], "consent": "y"})
    assert response.status_code == 302
    registration = db.session.scalar(db.select(Registration))
    assert registration.source == "walk-in" and registration.status == "confirmed"
    entry = db.session.scalar(db.select(AuditEntry).where(
        AuditEntry.action == "registration.create"))
    assert entry.user_id == user.id and entry.details["source"] == "walk-in"


def test_walk_in_needs_consent_and_reports_duplicates(client, auth, event):
    auth.login("organizer")
    url = f"/manage/events/{event.id}/registrations/new?lang=en"
    data = {"name": "김", "email": "w@example.com", "locale": "ko"}
    assert client.post(url, data=data).status_code == 422
    client.post(url, data=data | {"consent": "y"})
    response = client.post(url, data=data | {"consent": "y"}, follow_redirects=True)
    assert "already registered" in response.get_data(as_text=True)


def test_revoke_and_resend_ticket_are_audited(client, auth, event, people):
    user = auth.login("organizer")
    mayor = people["mayor"]
    client.post(f"/manage/registrations/{mayor.id}/resend-ticket")
    assert [m.topic for m in mails(registration=mayor)].count("confirmation") == 2
    client.post(f"/manage/registrations/{mayor.id}/revoke-ticket", data={"reason": "lost"})
    db.session.expire_all()
    assert mayor.ticket.status == TicketStatus.REVOKED
    assert mails(registration=mayor)[-1].topic == "ticket_revoked"
    response = client.post(f"/manage/registrations/{mayor.id}/resend-ticket",
                           follow_redirects=True)
    assert "유효한 티켓이 없는 등록입니다" in response.get_data(as_text=True)
    actions = {e.action: e for e in db.session.scalars(db.select(AuditEntry))}
    assert actions["ticket.revoke"].user_id == user.id
    assert actions["ticket.revoke"].details["reason"] == "lost"
    assert actions["registration.resend_ticket"].target_id == mayor.id


def test_organizer_cancel_promotes_and_is_audited(client, auth, event, people):
    auth.login("organizer")
    client.post(f"/manage/registrations/{people['kaplan'].id}/cancel")
    db.session.expire_all()
    assert people["kaplan"].status == "cancelled"
    assert people["kim"].status == "confirmed"
    assert db.session.scalar(db.select(AuditEntry).where(
        AuditEntry.action == "registration.cancel")).target_id == people["kaplan"].id
    assert_counters_match(event)


def test_index_lists_events_with_counts(client, auth, event, people):
    auth.login("organizer")
    html = client.get("/manage/registrations/").get_data(as_text=True)
    assert f"/manage/events/{event.id}/registrations" in html
    assert ('<td data-label="확정">2</td><td data-label="대기">1</td>'
            '<td data-label="취소됨">1</td>') in html


def test_destructive_actions_ask_first_naming_the_person(client, auth, event, people):
    auth.login("organizer")
    mayor = people["mayor"]
    listing = client.get(f"/manage/events/{event.id}/registrations?lang=en")
    html = listing.get_data(as_text=True)
    assert 'class="button danger"' not in html  # no red button is one tap away in the list
    assert f"/manage/registrations/{mayor.id}/cancel?next=" in html
    page = client.get(f"/manage/registrations/{mayor.id}/cancel?lang=en")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Cancel the registration of 오세훈?" in text
    assert "mayor@seoul.go.kr" in text
    page = client.get(f"/manage/registrations/{mayor.id}/revoke-ticket?lang=ko")
    assert "오세훈 님의 티켓을 무효화할까요?" in page.get_data(as_text=True)
    db.session.expire_all()
    assert mayor.status == "confirmed" and mayor.ticket.status == TicketStatus.VALID
    response = client.post(f"/manage/registrations/{mayor.id}/cancel",
                           data={"next": f"/manage/events/{event.id}/registrations"})
    assert response.headers["Location"].endswith(f"/manage/events/{event.id}/registrations")
    db.session.expire_all()
    assert mayor.status == "cancelled"
