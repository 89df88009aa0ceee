"""Venues, rooms, speakers and staff accounts through the manage pages."""

from __future__ import annotations

from datetime import time

import pytest
import sqlalchemy as sa

from festa.audit.models import AuditEntry
from festa.auth.models import User
from festa.extensions import db
from festa.program.models import Room, SessionSpeaker, Speaker, Venue
from tests.factories import make_session, make_speaker, make_venue
from tests.manage.conftest import assert_field_errors


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


@pytest.fixture
def organizer(client, auth):
    auth.login("organizer")
    return client


@pytest.fixture
def admin(client, auth):
    return auth.login("admin")


def test_venue_and_rooms(organizer):
    response = organizer.post("/manage/venues/new", data={
        "name_ko": "코엑스", "name_en": "COEX", "address_ko": "서울 강남구", "address_en": ""})
    venue = db.session.scalar(sa.select(Venue))
    assert response.headers["Location"] == f"/manage/venues/{venue.id}/"
    room = {"name_ko": "그랜드볼룸", "name_en": "Grand Ballroom", "capacity": "1000",
            "position": "0", "opens_at": "08:00", "closes_at": "22:00"}
    assert organizer.post(f"/manage/venues/{venue.id}/rooms/new", data=room).status_code == 302
    saved = db.session.scalar(sa.select(Room))
    assert (saved.capacity, saved.opens_at, saved.closes_at) == (1000, time(8), time(22))
    page = organizer.get(f"/manage/venues/{venue.id}/").get_data(as_text=True)
    assert "그랜드볼룸" in page and "08:00–22:00" in page
    assert actions() == ["venue.create", "room.create"]


ROOM_ERRORS = [
    ({"closes_at": "07:00"}, "Closes at", "close after it opens"),
    ({"capacity": "-1"}, "Capacity", "0 or more"),
    ({"opens_at": "25:00"}, "Opens at", "time"),
    ({"name_en": "x" * 201}, "Name (English)", "200"),
]


def test_room_errors_name_the_field(organizer):
    venue = make_venue()
    db.session.commit()
    data = {"name_ko": "회의실", "name_en": "Room", "capacity": "10", "position": "0",
            "opens_at": "09:00", "closes_at": "18:00"}
    assert_field_errors(organizer, f"/manage/venues/{venue.id}/rooms/new", data, ROOM_ERRORS,
                        lambda: db.session.scalar(sa.select(sa.func.count(Room.id))))


def test_rooms_and_venues_in_use_are_not_deleted(organizer, programme):
    room = programme["rooms"][0]
    make_session(programme["event"], room)
    db.session.commit()
    organizer.post(f"/manage/rooms/{room.id}/delete")
    organizer.post(f"/manage/venues/{programme['venue'].id}/delete")
    assert db.session.get(Room, room.id) is not None
    assert db.session.get(Venue, programme["venue"].id) is not None
    free = programme["rooms"][1]
    assert organizer.post(f"/manage/rooms/{free.id}/delete").status_code == 302
    assert db.session.get(Room, free.id) is None
    assert actions() == ["room.delete"]


SPEAKER = {"family_name_ko": "캐플런", "given_name_ko": "제리", "family_name_en": "Kaplan",
           "given_name_en": "Jerry", "given_name_first": "y", "affiliation_ko": "스탠퍼드 대학교",
           "affiliation_en": "Stanford University", "title_ko": "교수", "title_en": "Professor",
           "bio_ko": "", "bio_en": "", "photo_url": "https://example.org/kaplan.jpg",
           "email": "Kaplan@Example.org"}


def test_speakers(organizer):
    assert organizer.post("/manage/speakers/new", data=SPEAKER).status_code == 302
    speaker = db.session.scalar(sa.select(Speaker))
    assert speaker.given_name_first and speaker.email == "kaplan@example.org"
    listing = organizer.get("/manage/speakers/?lang=ko").get_data(as_text=True)
    assert "제리 캐플런" in listing
    assert "제리 캐플런" in organizer.get("/manage/speakers/?q=ㅋㅍㄹ").get_data(as_text=True)
    assert "제리 캐플런" not in organizer.get("/manage/speakers/?q=오세훈").get_data(as_text=True)
    edit = dict(SPEAKER, title_en="Professor emeritus")
    assert organizer.post(f"/manage/speakers/{speaker.id}/edit", data=edit).status_code == 302
    db.session.refresh(speaker)
    assert speaker.title_en == "Professor emeritus"
    assert actions() == ["speaker.create", "speaker.update"]


SPEAKER_ERRORS = [
    ({"family_name_en": ""}, "Family name (English)", "required"),
    ({"photo_url": "not a url"}, "Photo URL", "https://"),
    ({"email": "nobody"}, "E-mail (private)", "e-mail address"),
    ({"bio_ko": "가" * 10_001}, "Biography (Korean)", "10000"),
]


def test_speaker_errors_name_the_field(organizer):
    assert_field_errors(organizer, "/manage/speakers/new", SPEAKER, SPEAKER_ERRORS,
                        lambda: db.session.scalar(sa.select(sa.func.count(Speaker.id))))


def test_deleting_a_speaker_takes_them_off_sessions(organizer, programme):
    speaker = make_speaker()
    session = make_session(programme["event"], programme["rooms"][0], speakers=[speaker])
    db.session.commit()
    assert organizer.post(f"/manage/speakers/{speaker.id}/delete").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionSpeaker)) == 0
    db.session.refresh(session)
    assert session.sequence == 1


def test_admin_creates_staff_accounts(client, admin):
    data = {"email": "Door2@festa.test", "name": "문지기", "role": "door",
            "password": "long-enough-pw", "confirm": "long-enough-pw"}
    assert client.post("/manage/staff/new", data=data).status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "door2@festa.test"))
    assert user.role == "door" and user.check_password("long-enough-pw")
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "user.create"))
    assert entry.target_id == user.id and entry.user_id == admin.id
    assert "long-enough-pw" not in str(entry.details)


STAFF_ERRORS = [
    ({"password": "short", "confirm": "short"}, "Password", "at least 10"),
    ({"confirm": "something-else"}, "Repeat the password", "differ"),
    ({"email": "admin@festa.test"}, "E-mail", "exists already"),
    ({"role": "superuser"}, "Role", "valid choice"),
]


def test_staff_errors_name_the_field(client, admin):
    data = {"email": "new@festa.test", "name": "", "role": "organizer",
            "password": "long-enough-pw", "confirm": "long-enough-pw"}
    assert_field_errors(client, "/manage/staff/new", data, STAFF_ERRORS,
                        lambda: db.session.scalar(sa.select(sa.func.count(User.id))))


def test_deactivate_reactivate_and_reset_password(client, admin, auth):
    other = auth.login("organizer", email="org2@festa.test")  # creates the account
    auth.login("admin")
    client.post(f"/manage/staff/{other.id}/active", data={"active": "0"})
    db.session.refresh(other)
    assert not other.active
    # Nobody deactivates themselves.
    client.post(f"/manage/staff/{admin.id}/active", data={"active": "0"})
    db.session.refresh(admin)
    assert admin.active
    client.post(f"/manage/staff/{other.id}/active", data={"active": "1"})
    response = client.post(f"/manage/staff/{other.id}/password",
                           data={"password": "brand-new-secret", "confirm": "brand-new-secret"})
    assert response.status_code == 302
    db.session.refresh(other)
    assert other.active and other.check_password("brand-new-secret")
    assert actions() == ["user.deactivate", "user.activate", "user.reset_password"]


def test_the_staff_menu_is_for_admins(client, auth):
    auth.login("organizer")
    assert "/manage/staff/" not in client.get("/manage/").get_data(as_text=True)
    auth.login("admin")
    assert "/manage/staff/" in client.get("/manage/").get_data(as_text=True)
