"""Two gates scanning the same tickets at the same moment: exactly one `ok` per ticket,
and a room never holds more than its capacity. The database decides, not timing."""

import multiprocessing
import threading
from collections import Counter

import pytest
import sqlalchemy as sa

from festa.checkin.devices import DoorCheckpoint
from festa.checkin.models import Checkpoint, Presence, Scan
from festa.checkin.services import decide_scan
from festa.extensions import db
from tests.checkin.helpers import room_checkpoint, setup_event
from tests.checkin.scan_worker import scan_codes

TICKETS = 12
ROOM_CAPACITY = 4


@pytest.fixture
def rush(app):
    """An entrance and a small room; every gate scans every ticket at the entrance, then
    its own half of the tickets into the room."""
    event, entrance, tickets = setup_event(tickets=TICKETS)
    room = room_checkpoint(event, "Small room", capacity=ROOM_CAPACITY)
    codes = [t.code for t in tickets]
    halves = [codes[0::2], codes[1::2]]
    plans = [[(entrance.id, c) for c in codes] + [(room.id, c) for c in half] for half in halves]
    return {"entrance": entrance, "room": room, "plans": plans}


def check(rush, answers: list[tuple[int, str, str]]) -> None:
    entrance_id, room_id = rush["entrance"].id, rush["room"].id
    at_entrance = [(code, result) for cid, code, result in answers if cid == entrance_id]
    oks = Counter(code for code, result in at_entrance if result == "ok")
    assert len(oks) == TICKETS and set(oks.values()) == {1}
    assert Counter(result for _code, result in at_entrance) == {
        "ok": TICKETS, "already_checked_in": TICKETS}
    in_room = Counter(result for cid, _code, result in answers if cid == room_id)
    assert in_room == {"ok": ROOM_CAPACITY, "room_full": TICKETS - ROOM_CAPACITY}
    db.session.expire_all()
    counts = dict(db.session.execute(sa.select(Checkpoint.id, Checkpoint.inside_count)).all())
    assert counts == {entrance_id: TICKETS, room_id: ROOM_CAPACITY}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Presence)) == (
        TICKETS + ROOM_CAPACITY)


# door: the checkpoint as the scan API holds it (scans then commit alone on PostgreSQL).
@pytest.mark.parametrize("door", [False, True], ids=["checkpoint", "door"])
def test_two_processes_on_postgresql(rush, database_url, is_postgres, door):
    if not is_postgres:
        pytest.skip("separate processes need a server database (PostgreSQL)")
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    results = context.Queue()
    workers = [context.Process(target=scan_codes,
                               args=(database_url, plan, barrier, results, door))
               for plan in rush["plans"]]
    for worker in workers:
        worker.start()
    answers = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    check(rush, answers[0] + answers[1])


@pytest.mark.parametrize("door", [False, True], ids=["checkpoint", "door"])
def test_two_threads_on_any_database(app, rush, door):
    barrier = threading.Barrier(2)
    answers: list = []
    errors: list = []

    def gate(plan):
        try:
            with app.app_context():
                checkpoints = {cid: db.session.get(Checkpoint, cid) for cid, _code in plan}
                if door:
                    checkpoints = {cid: DoorCheckpoint(id=cid, event_id=c.event_id)
                                   for cid, c in checkpoints.items()}
                db.session.commit()
                barrier.wait(timeout=30)
                answers.extend((cid, code, decide_scan(checkpoints[cid], code).result)
                               for cid, code in plan)
                db.session.remove()
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=gate, args=(plan,)) for plan in rush["plans"]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    check(rush, answers)


@pytest.mark.parametrize("door", [False, True], ids=["checkpoint", "door"])
def test_one_scan_synced_twice_at_once_is_recorded_once(app, door):
    """A scanner sending its queue twice at the same moment (same client_scan_ids): both
    get the first answer, one scan row and one check-in per ticket."""
    _event, entrance, tickets = setup_event(tickets=TICKETS)
    plan = [(f"phone-1:{n}", t.code) for n, t in enumerate(tickets)]
    entrance_id = entrance.id
    barrier = threading.Barrier(2)
    answers: list = [[], []]
    errors: list = []

    def sync(mine: list):
        try:
            with app.app_context():
                gate = db.session.get(Checkpoint, entrance_id)
                if door:
                    gate = DoorCheckpoint(id=entrance_id, event_id=gate.event_id)
                db.session.commit()
                barrier.wait(timeout=30)
                mine.extend(decide_scan(gate, code, client_scan_id=scan_id).response
                            for scan_id, code in plan)
                db.session.remove()
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=sync, args=(mine,)) for mine in answers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert answers[0] == answers[1]
    assert Counter(a["result"] for a in answers[0]) == {"ok": TICKETS}
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Scan)) == TICKETS
    assert db.session.get(Checkpoint, entrance_id).inside_count == TICKETS
