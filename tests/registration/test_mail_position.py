"""The waitlist place in a mail is the one pages and the API show (one computation)."""

from __future__ import annotations

import email
import re
from datetime import timedelta
from email.policy import default

from festa.dbtypes import utcnow
from festa.extensions import db
from festa.outbox.services import rendered
from festa.registration.mail import queue_registration_mail
from festa.registration.models import Reservation
from festa.registration.services import manage_token
from tests.factories import make_event, make_registration, make_session


def _mail_place(registration, topic: str, session=None) -> int:
    message = queue_registration_mail(registration, topic, session=session)
    text = email.message_from_bytes(rendered(message).payload, policy=default)
    body = text.get_body(("plain",)).get_content()
    return int(re.search(r"Your place on the waitlist: (\d+)\.", body).group(1))


def _api(client, registration) -> dict:
    response = client.get(f"/api/v1/registrations/{registration.id}",
                          headers={"Authorization": f"Bearer {manage_token(registration)}"})
    assert response.status_code == 200
    return response.get_json()["registration"]


def test_waitlisted_mail_shows_the_apis_position(client):
    now = utcnow()
    event = make_event(capacity=0)
    # The line is ordered by when people joined it, not by id; cancelled ones don't count.
    waiting = {"status": "waitlisted", "locale": "en"}
    later = make_registration(event, waitlisted_at=now + timedelta(seconds=2), **waiting)
    make_registration(event, status="cancelled", waitlisted_at=now)
    earlier = make_registration(event, waitlisted_at=now + timedelta(seconds=1), **waiting)
    db.session.commit()
    assert later.id < earlier.id
    for registration, place in ((earlier, 1), (later, 2)):
        assert _api(client, registration)["position"] == place
        assert _mail_place(registration, "waitlisted") == place


def test_session_waitlisted_mail_shows_the_apis_position(client):
    now = utcnow()
    event = make_event()
    workshop = make_session(event, capacity=0, reservation_required=True)
    people = [make_registration(event, locale="en") for _ in range(2)]
    for person, seconds in zip(people, (2, 1), strict=True):
        db.session.add(Reservation(registration=person, session=workshop, status="waitlisted",
                                   waitlisted_at=now + timedelta(seconds=seconds)))
    db.session.commit()
    for person in people:
        (view,) = _api(client, person)["sessions"]
        assert _mail_place(person, "session_waitlisted", session=workshop) == view["position"]
    assert [_api(client, p)["sessions"][0]["position"] for p in people] == [2, 1]
