"""Fixtures of the production tests: a small world with one of everything a URL can name."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from festa.auth.models import User
from festa.auth.services import create_api_token
from festa.auth.teams import put_on_team
from festa.extensions import db
from festa.outbox.models import OutboxMessage
from festa.webhooks.models import Webhook
from tests.factories import (
    make_block,
    make_event,
    make_room,
    make_session,
    make_speaker,
    make_track,
    make_user,
)


@pytest.fixture
def world(app, client, runner):
    """Real objects for every URL argument, created through the contract where it exists:
    values for URL arguments, tokens (manage, agenda, device) and the staff users."""
    event = make_event(capacity=100)
    room = make_room(venue=event.venue)
    track = make_track(event)
    speaker = make_speaker()
    session = make_session(event, room, track=track, capacity=10, reservation_required=True,
                           speakers=[speaker])
    users = {role: _staff(role) for role in ("door", "organizer", "admin")}
    # Staff of another event: they must not see this one at all.
    other_event = make_event(team=False)
    for role in ("door", "organizer"):
        users[f"other-{role}"] = make_user(email=f"other-{role}@festa.test", role=role)
        put_on_team(other_event.id, users[f"other-{role}"])
    db.session.commit()
    response = client.post(f"/api/v1/events/{event.slug}/registrations", json={
        "name": "홍길동", "email": "hong@example.com", "consent": True,
        "sessions": [session.id],
    })
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    device = runner.invoke(args=["festa", "device", "create", "--event", event.slug])
    assert device.exit_code == 0, device.output
    device_token = device.output.strip().splitlines()[-1]
    checkpoint_id = client.get(
        "/api/v1/checkpoints", headers={"Authorization": f"Bearer {device_token}"}
    ).get_json()
    checkpoint_id = _find_id(checkpoint_id)
    scan = client.post(f"/api/v1/checkpoints/{checkpoint_id}/scans",
                       json={"code": body["ticket"]["code"]},
                       headers={"Authorization": f"Bearer {device_token}"})
    assert scan.status_code == 200, scan.get_data(as_text=True)
    create_api_token(users["organizer"], "matrix")
    block = make_block(event, room)
    webhook = Webhook(event_id=event.id, url="http://127.0.0.1:9/hook", secret="s" * 20,
                      topics="registration.created")
    db.session.add(webhook)
    db.session.commit()
    from festa.checkin.models import Device, Scan
    from festa.registration.models import Registration
    from festa.registration.questions.services import create_question

    question = create_question(event, kind="one_choice", label_ko="소속 유형",
                               label_en="Affiliation", choices=[
                                   {"label_ko": "기업", "label_en": "Company"}])

    registration = db.session.get(Registration, body["registration"]["id"])
    values = {
        "slug": event.slug, "event_id": event.id, "session_id": session.id,
        "speaker_id": speaker.id, "room_id": room.id, "venue_id": event.venue_id,
        "track_id": track.id, "registration_id": registration.id,
        "checkpoint_id": checkpoint_id, "scan_id": db.session.scalar(sa.select(sa.func.max(
            Scan.id))), "code": body["ticket"]["code"], "user_id": users["door"].id,
        "message_id": db.session.scalar(sa.select(sa.func.min(OutboxMessage.id))),
        "hook_id": webhook.id, "block_id": block.id, "question_id": question.id,
        "choice_id": question.choices[0].id,
        "device_id": db.session.scalar(sa.select(sa.func.max(Device.id))),
        "token_id": users["organizer"].tokens[0].id, "index": 0,
        "filename": "css/festa.css", "table": "sessions", "fmt": "csv", "key": "missing",
    }
    tokens = {"manage": body["manage_token"], "agenda": registration.agenda_token,
              "device": device_token}
    return {"values": values, "tokens": tokens, "users": users}


def _staff(role: str) -> User:
    return make_user(email=f"{role}@festa.test", role=role)


def _find_id(payload) -> int:
    """The checkpoint id in GET /api/v1/checkpoints, whatever its exact nesting."""
    if isinstance(payload, dict):
        if "checkpoint" in payload:
            return _find_id(payload["checkpoint"])
        return int(payload["id"])
    return _find_id(payload[0])
