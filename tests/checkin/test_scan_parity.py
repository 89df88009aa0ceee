"""The offline rules and the server rules cannot drift: every case of scan_rules.json is
decided by decide_scan (Python) and by the scanner's offline module (door-offline.js, in
headless Chromium, from the offline bundle the API gives the scanner), and both must
give the table's answer."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from festa.checkin.devices import create_checkpoint, entrance_checkpoint
from festa.checkin.models import Admits, Checkpoint, ScanResult
from festa.checkin.services import decide_scan
from festa.extensions import db
from festa.registration.models import RegistrationStatus
from festa.tickets.codes import b64url_decode, b64url_encode
from festa.tickets.services import revoke_ticket
from tests.checkin.helpers import device_token, make_ticket
from tests.factories import make_event, make_session

TABLE = json.loads((Path(__file__).parent / "scan_rules.json").read_text(encoding="utf-8"))
CASES = TABLE["cases"]
IDS = [case["name"] for case in CASES]


def _forged(code: str) -> str:
    return code[:-6] + ("AAAAAA" if not code.endswith("AAAAAA") else "BBBBBB")


def _unknown_key(code: str) -> str:
    raw = bytearray(b64url_decode(code))
    raw[1] ^= 0xFF  # another key id, the signature left as it was
    return b64url_encode(bytes(raw))


CODES = {
    "ticket": lambda code: code,
    "url": lambda code: f" https://festa.example/tickets/{code}?from=qr\n",
    "garbage": lambda code: "not-a-ticket",
    "truncated": lambda code: code[:-1],
    "forged": _forged,
    "unknown_key": _unknown_key,
}


@dataclass
class World:
    door: Checkpoint
    scanned: str  # what the scanner read
    direction: str


def build_world(case: dict) -> World:
    """The event, door and ticket holder a case describes; committed."""
    holder_spec, door_spec = case.get("holder", {}), case.get("door")
    event = make_event()
    session = make_session(event)
    if door_spec is None:
        door = entrance_checkpoint(event)
    else:
        door = create_checkpoint(event, name="Room", session_id=session.id,
                                 admits=door_spec.get("admits", Admits.ANY_TICKET),
                                 capacity=door_spec.get("capacity"),
                                 counts_exits=door_spec.get("counts_exits", False))
    holder_event = make_event() if holder_spec.get("event") == "other" else event
    reserved = holder_spec.get("reserved", False) and holder_event is event
    holder = make_ticket(holder_event, sessions=[session] if reserved else ())
    others = [make_ticket(event, sessions=[session]) for _ in range(case.get("others_inside", 0))]
    db.session.commit()
    for ticket in others + ([holder] if holder_spec.get("inside") else []):
        assert decide_scan(door, ticket.code).result == ScanResult.OK, case["name"]
    if holder_spec.get("ticket") == "revoked":
        revoke_ticket(holder, "cancelled")
    if "registration" in holder_spec:
        holder.registration.status = RegistrationStatus(holder_spec["registration"])
    db.session.commit()
    return World(door=door, scanned=CODES[case.get("code", "ticket")](holder.code),
                 direction=case.get("direction", "entry"))


def test_the_table_covers_every_result_and_exits():
    expected = {case["expect"] for case in CASES}
    assert {str(result) for result in ScanResult} <= expected
    assert expected <= {str(result) for result in ScanResult}
    exits = [case for case in CASES if case.get("direction") == "exit"]
    assert {case["expect"] for case in exits} >= {"ok", "revoked", "invalid"}
    assert len(set(IDS)) == len(IDS)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_decide_scan_follows_the_table(app, case):
    world = build_world(case)
    outcome = decide_scan(world.door, world.scanned, world.direction)
    assert outcome.result == case["expect"]


DECIDE_ALL = """async (cases) => {
  const rules = await import("/static/js/door-offline.js");
  const answers = [];
  for (const c of cases) {
    const bundle = rules.applyBundle(null, c.bundle);
    answers.push((await rules.decide(bundle, {}, c.scanned, c.direction)).result);
  }
  return answers;
}"""


@pytest.mark.browser
def test_the_offline_module_follows_the_same_table(live_server, page_factory, client):
    inputs = []
    for case in CASES:
        world = build_world(case)
        response = client.get(f"/api/v1/checkpoints/{world.door.id}/bundle",
                              headers={"Authorization": f"Bearer {device_token(world.door)}"})
        assert response.status_code == 200
        inputs.append({"bundle": response.get_json(), "scanned": world.scanned,
                       "direction": world.direction})
    page = page_factory()
    page.goto(f"{live_server}/door/")  # the module as the scanner page loads it
    answers = page.evaluate(DECIDE_ALL, inputs)
    wrong = [(case["name"], case["expect"], answer)
             for case, answer in zip(CASES, answers, strict=True) if answer != case["expect"]]
    assert not wrong, wrong
