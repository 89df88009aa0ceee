"""Model rules the programme relies on, enforced by the database itself."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from festa.extensions import db
from festa.i18n import speaker_name
from festa.program.models import Event
from tests.factories import make_event, make_room, make_session, make_speaker, seoul


def _rejected(change) -> None:
    with pytest.raises(sa.exc.IntegrityError):
        change()
        db.session.flush()
    db.session.rollback()


def test_session_must_end_after_it_starts(app):
    session = make_session()
    db.session.commit()

    def end_before_start():
        session.ends_at = session.starts_at - timedelta(minutes=5)

    _rejected(end_before_start)


def test_session_of_zero_length_is_rejected(app):
    session = make_session()
    db.session.commit()
    _rejected(lambda: setattr(session, "ends_at", session.starts_at))


@pytest.mark.parametrize("factory", ["session", "room", "event"])
def test_capacity_cannot_be_negative(app, factory):
    obj = {"session": make_session, "room": make_room, "event": make_event}[factory]()
    db.session.commit()
    _rejected(lambda: setattr(obj, "capacity", -1))


def test_a_session_cannot_be_oversold(app):
    session = make_session(capacity=2, reservation_required=True)
    db.session.commit()
    session.seats_taken = 2
    db.session.flush()
    assert session.seats_left == 0
    _rejected(lambda: setattr(session, "seats_taken", 3))


def test_event_dates_ordered_and_slug_unique(app):
    event = make_event(slug="taken")
    db.session.commit()
    _rejected(lambda: setattr(event, "end_date", event.start_date - timedelta(days=1)))
    _rejected(lambda: db.session.add(Event(
        slug="taken", name_ko="다른", name_en="Other", start_date=event.start_date,
        end_date=event.start_date)))


def test_seats_left_is_none_without_capacity(app):
    event = make_event()
    assert make_session(event, start=seoul(event.start_date, 9)).seats_left is None
    assert make_session(event, capacity=30).seats_left == 30


def test_names_are_written_as_their_owners_write_them(app):
    mayor = make_speaker(family_name_ko="오", given_name_ko="세훈",
                         family_name_en="Oh", given_name_en="Se-hoon")
    kaplan = make_speaker(family_name_ko="캐플런", given_name_ko="제리",
                          family_name_en="Kaplan", given_name_en="Jerry", given_name_first=True)
    assert speaker_name(mayor, "ko") == "오세훈"
    assert speaker_name(mayor, "en") == "Oh Se-hoon"
    assert speaker_name(kaplan, "ko") == "제리 캐플런"
    assert speaker_name(kaplan, "en") == "Jerry Kaplan"
