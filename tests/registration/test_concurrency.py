"""Rushes from several OS processes at once, each with its own app on the same database:
seats never oversell, nobody is left waiting beside a free seat, counters stay exact."""

from __future__ import annotations

import multiprocessing

import pytest
import sqlalchemy as sa

from festa.extensions import db
from festa.registration.models import Registration, RegistrationStatus, Reservation
from tests.factories import make_event, make_session
from tests.registration.conftest import assert_counters_match


def _worker(url: str, slug: str, phases: list[list[tuple]], barrier, results) -> None:
    """Child process with its own app and connections. Before each phase it waits at the
    barrier with the other children and the test (which checks the database in between).

    An operation is ("register", email, session ids) or ("cancel_own", n): cancel n of the
    registrations this process made that are confirmed now.
    """
    from festa import create_app
    from festa.program.models import Event
    from festa.registration import services
    from tests.conftest import test_config

    app = create_app(test_config(url))
    outcome, mine = [], []
    with app.app_context():
        event_id = db.session.scalar(sa.select(Event.id).where(Event.slug == slug))
        db.session.rollback()
        for ops in phases:
            barrier.wait(timeout=120)  # go
            event = db.session.get(Event, event_id)
            for op in ops:
                try:
                    outcome.append(("ok", _run(services, event, op, mine)))
                except Exception as error:  # noqa: BLE001 - every failure is reported
                    db.session.rollback()
                    outcome.append(("error", repr(error)))
            db.session.remove()
            barrier.wait(timeout=240)  # done
        db.engine.dispose()
    results.put(outcome)


def _run(services, event, op: tuple, mine: list[int]) -> str:
    if op[0] == "register":
        registration = services.register(event, name=op[1], email=op[1], session_ids=op[2])
        mine.append(registration.id)
        return registration.status
    confirmed = db.session.scalars(sa.select(Registration).where(
        Registration.id.in_(mine), Registration.status == "confirmed")).all()
    for registration in confirmed[:op[1]]:
        services.cancel_registration(registration)
    return f"cancelled {min(len(confirmed), op[1])}"


class Rush:
    """Worker processes (spawned: fresh interpreters, like separate app servers) that run
    their phases together; between phases the test looks at the database."""

    def __init__(self, database_url: str, slug: str, work: list[list[list[tuple]]]) -> None:
        db.session.remove()  # hold no connection (nor lock) while the children work
        ctx = multiprocessing.get_context("spawn")
        self.barrier, self.results = ctx.Barrier(len(work) + 1), ctx.Queue()
        self.processes = [
            ctx.Process(target=_worker, args=(database_url, slug, phases, self.barrier,
                                              self.results))
            for phases in work
        ]
        for process in self.processes:
            process.start()
        self.barrier.wait(timeout=120)  # phase 1 starts

    def between(self) -> None:
        """Wait until the phase is done in every process (the database can be checked)."""
        self.barrier.wait(timeout=240)
        db.session.expire_all()

    def next_phase(self) -> None:
        db.session.remove()
        self.barrier.wait(timeout=120)

    def outcomes(self) -> list[tuple]:
        """After the last phase: what each operation returned, in no particular order."""
        self.between()
        found = [item for _ in self.processes for item in self.results.get(timeout=240)]
        for process in self.processes:
            process.join(timeout=60)
            assert process.exitcode == 0
        return found


def people(prefix: str, count: int, session_ids: list[int]) -> list[tuple]:
    return [("register", f"{prefix}{i}@example.com", session_ids) for i in range(count)]


def statuses(event_id: int) -> dict[str, int]:
    rows = db.session.execute(
        sa.select(Registration.status, sa.func.count()).where(Registration.event_id == event_id)
        .group_by(Registration.status)).all()
    return dict(rows)


def assert_nobody_waits_beside_a_free_seat(event, workshop) -> None:
    db.session.expire_all()
    counts = statuses(event.id)
    if counts.get(RegistrationStatus.WAITLISTED):
        assert db.session.get(type(event), event.id).seats_taken == event.capacity
    queue = db.session.scalar(
        sa.select(sa.func.count(Reservation.id))
        .join(Registration, Registration.id == Reservation.registration_id)
        .where(Reservation.session_id == workshop.id,
               Reservation.status == RegistrationStatus.WAITLISTED,
               Registration.status == RegistrationStatus.CONFIRMED))
    if queue:
        assert db.session.get(type(workshop), workshop.id).seats_taken == workshop.capacity


@pytest.fixture
def rush_event(app):
    event = make_event(capacity=10)
    workshop = make_session(event, kind="workshop", capacity=4, reservation_required=True)
    db.session.commit()
    return event, workshop


@pytest.mark.postgres
def test_postgres_rush_from_several_processes(rush_event, database_url, is_postgres):
    if not is_postgres:
        pytest.skip("the multi-process rush runs against PostgreSQL")
    event, workshop = rush_event
    rush = Rush(database_url, event.slug, [
        [people(f"p{n}-", 8, [workshop.id]), [("cancel_own", 2)] + people(f"late{n}-", 2, [])]
        for n in range(4)
    ])
    rush.between()
    # 32 people for 10 seats (and 4 workshop seats), all at once.
    assert statuses(event.id) == {"confirmed": 10, "waitlisted": 22}
    seated = db.session.scalar(sa.select(sa.func.count(Reservation.id)).where(
        Reservation.session_id == workshop.id, Reservation.status == "confirmed"))
    assert seated == 4
    assert_counters_match(event)
    assert_nobody_waits_beside_a_free_seat(event, workshop)
    rush.next_phase()
    # Cancellations racing new registrations: every freed seat still goes to someone.
    outcomes = rush.outcomes()
    assert [o for o in outcomes if o[0] == "error"] == []
    cancelled = sum(int(s.split()[1]) for _, s in outcomes if s.startswith("cancelled"))
    assert cancelled > 0
    assert statuses(event.id) == {"confirmed": 10, "waitlisted": 32 + 8 - 10 - cancelled,
                                  "cancelled": cancelled}
    assert_counters_match(event)
    assert_nobody_waits_beside_a_free_seat(event, workshop)


def test_small_rush_on_any_database(rush_event, database_url):
    """The same guarantee with two processes on whichever database the suite runs on."""
    event, workshop = rush_event
    rush = Rush(database_url, event.slug, [[people(f"s{n}-", 7, [workshop.id])]
                                           for n in range(2)])
    outcomes = rush.outcomes()
    assert [o for o in outcomes if o[0] == "error"] == []
    assert statuses(event.id) == {"confirmed": 10, "waitlisted": 4}
    assert_counters_match(event)
    assert_nobody_waits_beside_a_free_seat(event, workshop)
