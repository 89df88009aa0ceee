"""The registration rules as plain functions: window, consent, duplicates, seats, waitlists."""

from datetime import UTC, datetime, timedelta

import pytest

from festa.errors import FestaError
from festa.extensions import db
from festa.registration import services
from festa.tickets.models import TicketStatus
from tests.factories import make_event, make_session, make_user
from tests.registration.conftest import assert_counters_match, mails, person


def test_register_confirms_with_a_ticket_and_a_mail(event):
    registration = services.register(event, **person(email="  Kim@Example.COM "),
                                     organization="서울디지털재단", locale="en")
    assert registration.status == "confirmed"
    assert registration.email == "kim@example.com"
    assert registration.ticket is not None and registration.ticket.status == TicketStatus.VALID
    assert [m.topic for m in mails(registration=registration)] == ["confirmation"]
    assert_counters_match(event)


def test_same_email_twice_is_refused_whatever_the_case(event):
    services.register(event, **person(email="lee@example.com"))
    with pytest.raises(FestaError) as error:
        services.register(event, **person(email="LEE@example.com "))
    assert (error.value.code, error.value.status) == ("already_registered", 409)
    assert_counters_match(event)


def test_the_unique_constraint_is_the_final_guard(event, monkeypatch):
    """Even when the early check misses a duplicate (a race), the database refuses it."""
    services.register(event, **person(email="race@example.com"))
    real_scalar = db.session.scalar
    calls = []

    def blind_first_check(statement, *args, **kwargs):
        calls.append(statement)
        return None if len(calls) == 1 else real_scalar(statement, *args, **kwargs)

    monkeypatch.setattr(db.session, "scalar", blind_first_check)
    with pytest.raises(FestaError) as error:
        services.register(event, **person(email="race@example.com"))
    assert error.value.code == "already_registered"
    monkeypatch.undo()
    assert_counters_match(event)


@pytest.mark.parametrize("window", [
    {"registration_opens_at": datetime.now(UTC) + timedelta(days=1)},
    {"registration_closes_at": datetime.now(UTC) - timedelta(minutes=1)},
])
def test_outside_the_window_registration_is_closed(app, window):
    event = make_event(**window)
    db.session.commit()
    with pytest.raises(FestaError) as error:
        services.register(event, **person())
    assert error.value.code == "registration_closed"


def test_organizers_register_walk_ins_after_the_window(app, auth):
    from festa.audit.models import AuditEntry

    organizer = auth.login("organizer")
    event = make_event(registration_closes_at=datetime.now(UTC) - timedelta(hours=1))
    db.session.commit()
    registration = services.register(event, **person(), source="walk-in", by=organizer)
    assert registration.status == "confirmed" and registration.source == "walk-in"
    entry = db.session.scalar(
        db.select(AuditEntry).where(AuditEntry.action == "registration.create"))
    assert entry.user_id == organizer.id and entry.target_id == registration.id


def test_consent_is_required_and_named(event):
    with pytest.raises(FestaError) as error:
        services.register(event, **person(), consent=False)
    assert error.value.status == 422
    assert list(error.value.fields) == ["consent"]


def test_every_bad_field_is_named_at_once(event):
    with pytest.raises(FestaError) as error:
        services.register(event, name=" ", email="not-an-address", locale="fr",
                          organization="x" * 201, session_ids=[999])
    assert set(error.value.fields) == {"name", "email", "locale", "organization", "sessions"}


def test_only_reservable_sessions_of_the_event(event, workshop):
    other = make_session(make_event(), reservation_required=True, capacity=5)
    talk = make_session(event, reservation_required=False)
    db.session.commit()
    for bad in (other.id, talk.id):
        with pytest.raises(FestaError) as error:
            services.register(event, **person(), session_ids=[bad])
        assert list(error.value.fields) == ["sessions"]
    registration = services.register(event, **person(), session_ids=[workshop.id])
    assert [r.status for r in registration.reservations] == ["confirmed"]


def test_full_event_waitlists_in_order_with_positions(event):
    first, second = (services.register(event, **person()) for _ in range(2))
    waiting = [services.register(event, **person()) for _ in range(3)]
    assert [r.status for r in (first, second)] == ["confirmed", "confirmed"]
    assert [r.status for r in waiting] == ["waitlisted"] * 3
    assert [services.waitlist_position(r) for r in waiting] == [1, 2, 3]
    assert all(r.ticket is None for r in waiting)
    assert [m.topic for m in mails(registration=waiting[0])] == ["waitlisted"]
    assert_counters_match(event)


def test_cancelling_promotes_the_first_waiting_at_once(event):
    confirmed = [services.register(event, **person()) for _ in range(2)]
    waiting = [services.register(event, **person()) for _ in range(2)]
    services.cancel_registration(confirmed[0])
    assert confirmed[0].status == "cancelled"
    assert confirmed[0].ticket.status == TicketStatus.REVOKED
    assert waiting[0].status == "confirmed" and waiting[0].ticket.status == TicketStatus.VALID
    assert [m.topic for m in mails(registration=waiting[0])] == ["waitlisted", "promoted"]
    assert "cancelled" in [m.topic for m in mails(registration=confirmed[0])]
    assert waiting[1].status == "waitlisted" and services.waitlist_position(waiting[1]) == 1
    assert_counters_match(event)


def test_cancelling_with_nobody_waiting_frees_the_seat(event):
    registration = services.register(event, **person())
    services.cancel_registration(registration)
    services.cancel_registration(registration)  # idempotent
    assert event.seats_taken == 0
    assert_counters_match(event)


def test_cancelling_a_waitlisted_registration_moves_the_line_up(event):
    for _ in range(2):
        services.register(event, **person())
    waiting = [services.register(event, **person()) for _ in range(3)]
    services.cancel_registration(waiting[0])
    assert [services.waitlist_position(r) for r in waiting[1:]] == [1, 2]
    assert_counters_match(event)


def test_session_waitlist_and_promotion(event, workshop):
    event.capacity = None
    db.session.commit()
    holder = services.register(event, **person(), session_ids=[workshop.id])
    second = services.register(event, **person(), session_ids=[workshop.id])
    third = services.register(event, **person(), session_ids=[workshop.id])
    assert [r.reservations[0].status for r in (holder, second, third)] == [
        "confirmed", "waitlisted", "waitlisted"]
    assert services.waitlist_position(second, workshop) == 1
    assert services.waitlist_position(third, workshop) == 2
    services.drop_reservation(holder, workshop)
    assert second.reservations[0].status == "confirmed"
    assert [m.topic for m in mails(registration=second)] == ["confirmation", "session_promoted"]
    assert services.waitlist_position(third, workshop) == 1
    services.cancel_registration(second)
    assert third.reservations[0].status == "confirmed"
    assert_counters_match(event)


def test_event_waitlisted_people_wait_for_sessions_until_they_have_a_seat(event, workshop):
    workshop.capacity = 5
    db.session.commit()
    first = services.register(event, **person(), session_ids=[workshop.id])
    services.register(event, **person())
    late = services.register(event, **person(), session_ids=[workshop.id])
    assert late.status == "waitlisted"
    assert late.reservations[0].status == "waitlisted"
    assert services.waitlist_position(late, workshop) is None  # waits for the event first
    assert workshop.seats_taken == 1
    services.cancel_registration(first)
    assert late.status == "confirmed"
    assert late.reservations[0].status == "confirmed"
    assert_counters_match(event)


def test_reserve_and_drop_sessions_later(event, workshop):
    registration = services.register(event, **person())
    other = services.register(event, **person(), session_ids=[workshop.id])
    reservation = services.reserve_session(registration, workshop)
    assert reservation.status == "waitlisted"
    assert services.reserve_session(registration, workshop).id == reservation.id  # idempotent
    assert [m.topic for m in mails(registration=registration)][-1] == "session_waitlisted"
    services.drop_reservation(other, workshop)
    assert reservation.status == "confirmed"
    services.drop_reservation(registration, workshop)
    again = services.reserve_session(registration, workshop)
    assert again.id == reservation.id and again.status == "confirmed"
    assert_counters_match(event)


def test_reserving_needs_a_reservable_session_and_an_active_registration(event, workshop):
    registration = services.register(event, **person())
    talk = make_session(event)
    db.session.commit()
    with pytest.raises(FestaError) as error:
        services.reserve_session(registration, talk)
    assert list(error.value.fields) == ["sessions"]
    services.cancel_registration(registration)
    with pytest.raises(FestaError) as error:
        services.reserve_session(registration, workshop)
    assert error.value.code == "registration_cancelled"


def test_anonymize_blanks_the_person_and_frees_the_seat(event, workshop):
    registration = services.register(event, **person(organization="서울시"),
                                     session_ids=[workshop.id])
    waiting = services.register(event, **person())
    waiting2 = services.register(event, **person())
    token = services.manage_token(registration)
    services.anonymize(registration)
    assert registration.name == "—" and registration.organization == ""
    assert registration.email == f"deleted-{registration.id}@invalid"
    assert registration.status == "cancelled" and registration.anonymized_at is not None
    assert mails(registration=registration) == []
    assert waiting.status == "confirmed" and waiting2.status == "confirmed"
    with pytest.raises(FestaError):
        services.registration_for_manage_token(token)
    assert_counters_match(event)


def test_anonymize_after_the_event_keeps_the_attendance(app):
    start = (datetime.now(UTC) - timedelta(days=5)).date()
    event = make_event(start_date=start, registration_opens_at=None,
                       registration_closes_at=None)
    registration = services.register(event, **person(), source="walk-in", by=make_user())
    old_token = registration.agenda_token
    services.anonymize(registration)
    assert registration.status == "confirmed" and registration.agenda_token != old_token
    assert_counters_match(event)


def test_fill_from_waitlist_is_idempotent_and_closes_the_race(event):
    """A seat freed while someone was being waitlisted: the next fill hands it over."""
    from festa.program.models import Event
    from festa.registration.promotion import fill_from_waitlist

    leaving = services.register(event, **person())
    services.register(event, **person())
    waiting = services.register(event, **person())
    # The race: a cancellation committed its freed seat before the waitlisting committed.
    leaving.status = "cancelled"
    db.session.execute(db.update(Event).where(Event.id == event.id).values(seats_taken=1))
    db.session.commit()
    assert fill_from_waitlist(event) == [waiting]
    assert fill_from_waitlist(event) == []
    assert waiting.status == "confirmed"
    assert_counters_match(event)


def test_a_full_session_keeps_the_event_seat_and_waits_in_line(event, workshop):
    event.capacity = None
    db.session.commit()
    services.register(event, **person(), session_ids=[workshop.id])
    registered = services.register_placed(event, **person(), session_ids=[workshop.id])
    late = registered.registration
    assert late.status == "confirmed"
    assert late.reservations[0].status == "waitlisted"
    assert registered.session_positions == {workshop.id: 1}
    assert services.waitlist_position(late, workshop) == 1
    assert [m.topic for m in mails(registration=late)] == ["confirmation"]
    assert_counters_match(event)


def test_webhooks_hear_about_created_and_cancelled(event):
    from festa.outbox.models import OutboxMessage
    from festa.webhooks.models import Webhook

    db.session.add(Webhook(event_id=event.id, url="http://127.0.0.1:9/hook", secret="s",
                           topics="registration.created,registration.cancelled"))
    db.session.commit()
    registration = services.register(event, **person())
    services.cancel_registration(registration)
    topics = db.session.scalars(db.select(OutboxMessage.topic).where(
        OutboxMessage.kind == "webhook").order_by(OutboxMessage.id)).all()
    assert topics == ["registration.created", "registration.cancelled"]


def test_sessions_change_only_before_they_start(event, workshop):
    registration = services.register(event, **person(), session_ids=[workshop.id])
    workshop.starts_at = datetime.now(UTC) - timedelta(minutes=5)
    workshop.ends_at = datetime.now(UTC) + timedelta(minutes=55)
    db.session.commit()
    for change in (services.drop_reservation, services.reserve_session):
        with pytest.raises(FestaError) as error:
            change(registration, workshop)
        assert error.value.code == "session_started"


def test_after_the_event_only_organizers_cancel(app):
    start = (datetime.now(UTC) - timedelta(days=3)).date()
    event = make_event(start_date=start)
    db.session.commit()
    organizer = make_user()
    registration = services.register(event, **person(), source="walk-in", by=organizer)
    with pytest.raises(FestaError) as error:
        services.cancel_registration(registration)
    assert error.value.code == "event_over"
    services.cancel_registration(registration, by=organizer)
    assert registration.status == "cancelled"


def test_cli_fills_waitlists_left_behind(event, runner):
    from festa.program.models import Event

    leaving = services.register(event, **person())
    services.register(event, **person())
    waiting = services.register(event, **person())
    leaving.status = "cancelled"  # as if the fill after a cancellation had failed
    db.session.execute(db.update(Event).where(Event.id == event.id).values(seats_taken=1))
    db.session.commit()
    result = runner.invoke(args=["festa", "waitlists", "fill", "--event", event.slug])
    assert result.exit_code == 0, result.output
    assert "Moved 1 off the waitlists." in result.output
    db.session.expire_all()
    assert waiting.status == "confirmed"
    assert runner.invoke(args=["festa", "waitlists", "fill", "--event", "nope"]).exit_code == 1
    assert_counters_match(event)


