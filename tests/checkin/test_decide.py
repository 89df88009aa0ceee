"""decide_scan: every result, recording, idempotency, undo and occupancy."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from festa.audit.models import AuditEntry
from festa.checkin.models import Checkpoint, Presence, Scan
from festa.checkin.queries import checkpoint_label
from festa.checkin.services import decide_scan, undo_scan
from festa.errors import FestaError
from festa.extensions import db
from festa.outbox.models import OutboxMessage
from festa.tickets.codes import b64url_decode, b64url_encode
from festa.tickets.services import revoke_ticket
from tests.checkin.helpers import make_ticket, room_checkpoint, setup_event
from tests.factories import make_event, make_session


def scans() -> list[Scan]:
    return list(db.session.scalars(sa.select(Scan).order_by(Scan.id)))


def inside(checkpoint) -> int:
    return db.session.scalar(sa.select(Checkpoint.inside_count).where(
        Checkpoint.id == checkpoint.id))


def test_first_scan_is_ok_then_already_checked_in(app):
    event, entrance, (ticket, _other) = setup_event()
    first = decide_scan(entrance, ticket.code)
    assert first.result == "ok"
    assert first.response["attendee"] == {"name": ticket.registration.name}
    assert first.response["inside"] == 1
    second = decide_scan(entrance, ticket.code)
    assert second.result == "already_checked_in"
    assert second.response["previous"]["checkpoint"] == checkpoint_label(entrance)
    assert datetime.fromisoformat(second.response["previous"]["at"]).tzinfo is not None
    assert second.response["inside"] == 1
    assert [s.result for s in scans()] == ["ok", "already_checked_in"]


def test_ticket_page_url_is_accepted_in_place_of_the_code(app):
    _event, entrance, (ticket, _other) = setup_event()
    outcome = decide_scan(entrance, f"  https://festa.example/tickets/{ticket.code}?x=1\n")
    assert outcome.result == "ok"


@pytest.mark.parametrize("mangle", [
    lambda code: "not-a-ticket",
    lambda code: "",
    lambda code: code[:-1],
    # a valid-looking code whose signature does not match
    lambda code: code[:-4] + ("AAAA" if not code.endswith("AAAA") else "BBBB"),
])
def test_malformed_or_forged_codes_are_invalid(app, mangle):
    _event, entrance, (ticket, _other) = setup_event()
    outcome = decide_scan(entrance, mangle(ticket.code))
    assert outcome.result == "invalid"
    assert "attendee" not in outcome.response
    assert scans()[-1].result == "invalid" and scans()[-1].ticket_id is None


def test_signed_code_of_a_ticket_we_do_not_have_is_invalid(app):
    _event, entrance, (ticket, _other) = setup_event()
    ticket_id = ticket.id
    db.session.delete(ticket)
    db.session.commit()
    from festa.tickets.codes import sign_ticket

    code, _kid = sign_ticket(ticket_id, entrance.event_id)
    assert decide_scan(entrance, code).result == "invalid"


def test_code_signed_by_an_unknown_key_is_invalid(app):
    _event, entrance, (ticket, _other) = setup_event()
    raw = bytearray(b64url_decode(ticket.code))
    raw[1] ^= 0xFF  # another key id
    assert decide_scan(entrance, b64url_encode(bytes(raw))).result == "invalid"


def test_revoked_ticket_and_cancelled_registration(app):
    _event, entrance, (ticket, other) = setup_event()
    revoke_ticket(ticket, "cancelled")
    other.registration.status = "cancelled"
    db.session.commit()
    assert decide_scan(entrance, ticket.code).result == "revoked"
    outcome = decide_scan(entrance, other.code)
    assert outcome.result == "revoked"
    assert outcome.response["attendee"]["name"] == other.registration.name


def test_ticket_of_another_event_is_wrong_event(app):
    _event, entrance, _tickets = setup_event()
    elsewhere = make_ticket(make_event())
    db.session.commit()
    outcome = decide_scan(entrance, elsewhere.code)
    assert outcome.result == "wrong_event"
    assert "attendee" not in outcome.response  # another event's attendee stays private


def test_reservation_checkpoint_admits_only_reservations(app):
    event, _entrance, (walk_in, _other) = setup_event()
    workshop = make_session(event, capacity=20, reservation_required=True)
    booked = make_ticket(event, sessions=[workshop])
    db.session.commit()
    door = room_checkpoint(event, "Workshop", session_id=workshop.id, admits="reservation")
    assert decide_scan(door, walk_in.code).result == "not_allowed"
    assert decide_scan(door, booked.code).result == "ok"


def test_room_full_and_a_place_frees_up_when_someone_leaves(app):
    event, _entrance, tickets = setup_event(tickets=3)
    room = room_checkpoint(event, "Small room", capacity=2, counts_exits=True)
    a, b, c = tickets
    assert decide_scan(room, a.code).result == "ok"
    assert decide_scan(room, b.code).result == "ok"
    full = decide_scan(room, c.code)
    assert full.result == "room_full" and full.response["inside"] == 2
    assert db.session.get(Presence, (c.id, room.id)) is None
    assert decide_scan(room, a.code, direction="exit").result == "ok"
    assert inside(room) == 1
    assert decide_scan(room, c.code).result == "ok"
    assert inside(room) == 2


def test_exit_and_reentry_keep_the_count(app):
    event, _entrance, (ticket, _other) = setup_event()
    hall = room_checkpoint(event, "Hall", counts_exits=True)
    assert decide_scan(hall, ticket.code).result == "ok"
    assert decide_scan(hall, ticket.code, direction="exit").result == "ok"
    assert inside(hall) == 0
    # leaving twice does not go below zero
    assert decide_scan(hall, ticket.code, direction="exit").result == "ok"
    assert inside(hall) == 0
    assert decide_scan(hall, ticket.code).result == "ok"
    assert inside(hall) == 1
    presence = db.session.get(Presence, (ticket.id, hall.id))
    assert presence.inside


def test_exit_where_exits_are_not_counted_is_a_field_error(app):
    _event, entrance, (ticket, _other) = setup_event()
    with pytest.raises(FestaError) as error:
        decide_scan(entrance, ticket.code, direction="exit")
    assert error.value.status == 422 and "direction" in error.value.fields


def test_moving_between_rooms_moves_the_occupancy(app):
    event, entrance, (ticket, _other) = setup_event()
    room_a = room_checkpoint(event, "A")
    room_b = room_checkpoint(event, "B")
    assert decide_scan(entrance, ticket.code).result == "ok"
    assert decide_scan(room_a, ticket.code).result == "ok"
    assert (inside(entrance), inside(room_a), inside(room_b)) == (1, 1, 0)
    assert decide_scan(room_b, ticket.code).result == "ok"
    assert (inside(entrance), inside(room_a), inside(room_b)) == (1, 0, 1)
    # back to A: a re-entry, not "already checked in"
    assert decide_scan(room_a, ticket.code).result == "ok"
    assert (inside(entrance), inside(room_a), inside(room_b)) == (1, 1, 0)


def test_full_room_keeps_the_person_in_the_room_they_came_from(app):
    event, _entrance, (mover, sitter) = setup_event()
    room_a = room_checkpoint(event, "A")
    room_b = room_checkpoint(event, "B", capacity=1)
    decide_scan(room_a, mover.code)
    decide_scan(room_b, sitter.code)
    assert decide_scan(room_b, mover.code).result == "room_full"
    assert (inside(room_a), inside(room_b)) == (1, 1)
    assert db.session.get(Presence, (mover.id, room_a.id)).inside


def test_every_scan_is_recorded_with_who_where_when_and_mode(app):
    from tests.factories import make_user

    _event, entrance, (ticket, _other) = setup_event()
    staff = make_user(role="door")
    db.session.commit()
    when = datetime.now(UTC) - timedelta(minutes=5)
    decide_scan(entrance, ticket.code, scanned_at=when, user=staff, mode="offline",
                client_scan_id="c-1")
    decide_scan(entrance, "garbage", user=staff)
    first, second = scans()
    assert (first.user_id, first.checkpoint_id, first.mode, first.result) == (
        staff.id, entrance.id, "offline", "ok")
    assert abs(first.scanned_at - when) < timedelta(seconds=1)
    assert (second.result, second.mode, second.code) == ("invalid", "online", "garbage")


def test_future_scan_times_are_clamped_to_now(app):
    _event, entrance, (ticket, _other) = setup_event()
    decide_scan(entrance, ticket.code, scanned_at=datetime.now(UTC) + timedelta(days=1))
    assert scans()[0].scanned_at <= datetime.now(UTC)


def test_same_client_scan_id_returns_the_first_answer_and_records_nothing(app):
    _event, entrance, (ticket, _other) = setup_event()
    first = decide_scan(entrance, ticket.code, client_scan_id="phone-1:42")
    again = decide_scan(entrance, ticket.code, client_scan_id="phone-1:42")
    assert first.result == again.result == "ok"
    assert again.response == first.response and again.replayed
    assert len(scans()) == 1
    assert inside(entrance) == 1
    # a new id is a new scan
    assert decide_scan(entrance, ticket.code, client_scan_id="phone-1:43").result == (
        "already_checked_in")
    assert len(scans()) == 2


def test_undo_takes_back_a_check_in_and_is_recorded(app):
    _event, entrance, (ticket, _other) = setup_event()
    outcome = decide_scan(entrance, ticket.code)
    undone = undo_scan(db.session.get(Scan, outcome.scan_id))
    assert undone.response["undone_scan_id"] == outcome.scan_id
    assert undone.response["inside"] == 0
    assert db.session.get(Presence, (ticket.id, entrance.id)) is None
    assert [(s.direction, s.result) for s in scans()] == [("entry", "ok"), ("undo", "ok")]
    assert db.session.get(Scan, outcome.scan_id).undone_by_scan_id == undone.scan_id
    audit = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "scan.undo")).one()
    assert audit.event_id == entrance.event_id
    # the person can be let in again; the same scan cannot be undone twice
    assert decide_scan(entrance, ticket.code).result == "ok"
    with pytest.raises(FestaError) as error:
        undo_scan(db.session.get(Scan, outcome.scan_id))
    assert error.value.code == "cannot_undo"


def test_only_ok_entries_can_be_undone(app):
    _event, entrance, (ticket, _other) = setup_event()
    decide_scan(entrance, ticket.code)
    refused = decide_scan(entrance, ticket.code)
    with pytest.raises(FestaError):
        undo_scan(db.session.get(Scan, refused.scan_id))


def test_ok_check_in_queues_the_webhook_in_the_same_transaction(app):
    from festa.webhooks.models import Webhook

    event, entrance, (ticket, _other) = setup_event()
    db.session.add(Webhook(event_id=event.id, url="https://hooks.example/in", secret="s",
                           topics="checkin.created"))
    db.session.commit()
    decide_scan(entrance, ticket.code)
    decide_scan(entrance, ticket.code)  # not ok: nothing queued
    messages = db.session.scalars(sa.select(OutboxMessage)).all()
    assert [m.topic for m in messages] == ["checkin.created"]
