"""The scanner's compact bundle and its deltas: after a registration, a voided ticket, a
check-in elsewhere, an undo and an erasure, a delta carries exactly the tickets that
changed, each with its whole state; the full bundle comes when a delta cannot be trusted."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from festa.checkin.bundle import MAX_AGE, OVERLAP, bundle_version
from festa.checkin.models import Presence, Scan
from festa.checkin.services import decide_scan, undo_scan
from festa.dbtypes import utcnow
from festa.extensions import db
from festa.registration import services as registrations
from festa.registration.models import Registration, Reservation
from festa.registration.retention import run_retention
from festa.tickets.models import Ticket
from festa.tickets.services import revoke_ticket
from tests.checkin.helpers import device_token, make_ticket, room_checkpoint, setup_event
from tests.factories import make_session


def ids(gaps: list[int]) -> list[int]:
    """Undo the gap coding: running sums."""
    out, total = [], 0
    for gap in gaps:
        total += gap
        out.append(total)
    return out


def fetch(client, checkpoint, token, since=None) -> dict:
    response = client.get(f"/api/v1/checkpoints/{checkpoint.id}/bundle",
                          query_string={"since": since} if since else {},
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    return response.get_json()


def state(body: dict) -> dict:
    """ticket id → (admitted name or None, revoked, present), for the tickets the answer
    is about."""
    admitted = dict(zip(ids(body["admitted"]), body["names"], strict=True))
    about = ids(body["changed"]) if not body["full"] else sorted(
        {*admitted, *ids(body["revoked"]), *ids(body["present"])})
    return {i: (admitted.get(i), i in ids(body["revoked"]), i in ids(body["present"]))
            for i in about}


def age_everything(hours: int = 1) -> None:
    """Make every row so far an hour old: what the scanner's first bundle already held."""
    past = utcnow() - timedelta(hours=hours)
    db.session.execute(sa.update(Ticket).values(issued_at=past))
    db.session.execute(sa.update(Ticket).where(Ticket.revoked_at.is_not(None))
                       .values(revoked_at=past))
    db.session.execute(sa.update(Registration).values(updated_at=past))
    db.session.execute(sa.update(Reservation).values(updated_at=past))
    db.session.execute(sa.update(Scan).values(recorded_at=past))
    db.session.commit()


def test_full_bundle_lists_admitted_names_revoked_and_present(client):
    event, entrance, (inside, gone, plain) = setup_event(tickets=3)
    revoke_ticket(gone, "cancelled")
    db.session.commit()
    decide_scan(entrance, inside.code)
    body = fetch(client, entrance, device_token(entrance))
    assert body["full"] is True and "changed" not in body
    assert body["event_id"] == event.id and body["version"].startswith("1.")
    assert state(body) == {
        inside.id: (inside.registration.name, False, True),
        gone.id: (None, True, False),
        plain.id: (plain.registration.name, False, False),
    }
    assert inside.code not in str(body) and gone.code not in str(body)  # ids, never codes


def test_delta_carries_only_what_changed_since_the_version(client):
    event, entrance, (kept, voided, arriving) = setup_event(tickets=3)
    token = device_token(entrance)
    age_everything()
    version = fetch(client, entrance, token)["version"]
    assert state(fetch(client, entrance, token, since=version)) == {}  # nothing new

    new = registrations.register(event, "새참가자", "new@festa.test")
    revoke_ticket(voided, "voided at the desk")
    db.session.commit()
    other_gate = room_checkpoint(event, "Side gate")  # check-ins at another gate of the event
    decide_scan(entrance, arriving.code)
    decide_scan(other_gate, kept.code)
    delta = fetch(client, entrance, token, since=version)
    assert delta["full"] is False
    assert state(delta) == {
        new.ticket.id: ("새참가자", False, False),
        voided.id: (None, True, False),
        arriving.id: (arriving.registration.name, False, True),
        # a scan elsewhere touches the ticket; here it is still not inside
        kept.id: (kept.registration.name, False, False),
    }
    assert delta["rules"]["inside"] == 1 and delta["checkpoint"]["inside"] == 1


def test_an_undone_check_in_and_a_late_offline_scan_reach_the_delta(client):
    _event, entrance, (undone, late) = setup_event()
    token = device_token(entrance)
    first = decide_scan(entrance, undone.code)
    age_everything()
    version = fetch(client, entrance, token)["version"]
    undo_scan(db.session.get(Scan, first.scan_id))
    # an offline scanner syncs a scan made an hour ago: new to the server now
    decide_scan(entrance, late.code, scanned_at=utcnow() - timedelta(hours=1),
                client_scan_id="late-1", mode="offline")
    assert db.session.get(Presence, (undone.id, entrance.id)) is None
    assert state(fetch(client, entrance, token, since=version)) == {
        undone.id: (undone.registration.name, False, False),
        late.id: (late.registration.name, False, True),
    }


def test_erased_people_leave_the_scanner_through_deltas(client):
    event, entrance, (asked, _other) = setup_event()
    token = device_token(entrance)
    age_everything()
    version = fetch(client, entrance, token)["version"]
    registrations.anonymize(asked.registration)  # "delete my data" before the event
    delta = fetch(client, entrance, token, since=version)
    assert state(delta) == {asked.id: (None, True, False)}
    assert asked.registration.name not in str(delta)


def test_retention_removes_the_names_of_an_event_that_is_over(client):
    start = date.today() - timedelta(days=400)
    event, entrance, (first, second) = setup_event(start_date=start,
                                                   end_date=start + timedelta(days=1))
    checkpoint = room_checkpoint(event, "Archive")  # any checkpoint of the event
    age_everything()
    version = bundle_version(checkpoint, utcnow())
    names = {first.registration.name, second.registration.name}
    run_retention(date.today())
    delta = bundle_delta_without_device(checkpoint, version)
    assert state(delta) == {first.id: ("", False, False), second.id: ("", False, False)}
    assert not names & set(delta["names"])


def bundle_delta_without_device(checkpoint, version: str) -> dict:
    """The event is over: its devices stopped working, so read the bundle directly."""
    from festa.checkin.bundle import scanner_bundle

    return scanner_bundle(checkpoint, version)


def test_a_change_stamped_just_before_the_version_is_not_missed(client):
    _event, entrance, (slow, _other) = setup_event()
    token = device_token(entrance)
    age_everything()
    version = fetch(client, entrance, token)["version"]
    # a transaction that stamped its row before that answer was read, committed after it
    revoke_ticket(slow, "voided")
    slow.revoked_at = utcnow() - OVERLAP / 2
    db.session.commit()
    assert state(fetch(client, entrance, token, since=version)) == {slow.id: (None, True, False)}


def test_a_session_door_follows_its_reservations(client):
    event, _entrance, _holders = setup_event()
    workshop = make_session(event, reservation_required=True, capacity=10)
    seated = make_ticket(event, name="자리있음", sessions=[workshop])
    db.session.commit()
    door = room_checkpoint(event, "Workshop", session_id=workshop.id, admits="reservation")
    token = device_token(door)
    body = fetch(client, door, token)
    assert {i: s[0] for i, s in state(body).items()} == {seated.id: "자리있음"}
    age_everything()
    version = body["version"]
    registrations.drop_reservation(seated.registration, workshop)
    delta = fetch(client, door, token, since=version)
    assert state(delta) == {seated.id: (None, False, False)}  # neither admitted nor revoked


@pytest.mark.parametrize("since", [
    "garbage", "1.abc.0", "2.{now}.{fp}", "1.{now}.0123456789", "1.{old}.{fp}",
    "1.{future}.{fp}",
])
def test_a_version_that_cannot_be_trusted_gets_the_full_bundle(client, since):
    _event, entrance, (ticket, _other) = setup_event()
    token = device_token(entrance)
    good = fetch(client, entrance, token)["version"]
    now, fingerprint = good.split(".")[1:]
    old = str(int(now) - int((MAX_AGE + timedelta(minutes=1)).total_seconds() * 1000))
    future = str(int(now) + int((OVERLAP * 2).total_seconds() * 1000))
    body = fetch(client, entrance, token,
                 since=since.format(now=now, fp=fingerprint, old=old, future=future))
    assert body["full"] is True and ticket.id in ids(body["admitted"])


def test_a_changed_door_set_up_gets_the_full_bundle(client):
    event, entrance, _holders = setup_event()
    workshop = make_session(event, reservation_required=True, capacity=10)
    door = room_checkpoint(event, "Workshop")
    token = device_token(door)
    version = fetch(client, door, token)["version"]
    door.session_id, door.admits = workshop.id, "reservation"
    db.session.commit()
    body = fetch(client, door, token, since=version)
    assert body["full"] is True and body["admitted"] == []


def test_the_bundle_is_the_device_s_own(client):
    event, entrance, _holders = setup_event()
    room = room_checkpoint(event, "Hall")
    response = client.get(f"/api/v1/checkpoints/{room.id}/bundle",
                          headers={"Authorization": f"Bearer {device_token(entrance)}"})
    assert response.status_code == 403
    assert client.get(f"/api/v1/checkpoints/{room.id}/bundle").status_code == 401


def test_a_large_delta_comes_as_the_full_bundle(client, monkeypatch):
    from festa.checkin import bundle

    event, entrance, (first, second) = setup_event()
    token = device_token(entrance)
    age_everything()
    version = fetch(client, entrance, token)["version"]
    revoke_ticket(first, "voided")
    db.session.commit()
    assert fetch(client, entrance, token, since=version)["full"] is False
    monkeypatch.setattr(bundle, "MAX_DELTA_TICKETS", 1)  # a smaller limit, same rule
    decide_scan(entrance, second.code)
    body = fetch(client, entrance, token, since=version)
    assert body["full"] is True and ids(body["revoked"]) == [first.id]
    assert ids(body["present"]) == [second.id]
