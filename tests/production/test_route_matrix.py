"""Every route of the app × every role → the expected kind of answer.

Built from `app.url_map`: a route whose endpoint no rule in ACCESS covers fails the test, so a
new page or API cannot be added without deciding who may use it. For each role the whole map
is walked with real objects in the URLs (an event, a session, a registration with its manage
token and ticket, a checkpoint with a device, a scan, staff, mail…):

- "allow": anything but a refusal, and never a 5xx (a POST with an empty body may get 4xx);
- "deny": 401/403, or a redirect to the login page — never the thing itself.

Credentials that travel in the URL (ticket codes, manage links, agenda feeds, pairing links)
are checked separately: a forged one is refused for everyone.
"""

from __future__ import annotations

import fnmatch
import re

import pytest
import sqlalchemy as sa

from festa.auth.models import User
from festa.auth.services import create_api_token
from festa.extensions import db
from festa.outbox.models import OutboxMessage, Webhook
from tests.factories import make_event, make_room, make_session, make_speaker, make_track

ROLES = ("anonymous", "attendee", "device", "door", "organizer", "admin")
A, D = "allow", "deny"

# What each kind of endpoint allows, per role.
CATEGORIES = {
    # Anyone: the programme, registration, health, the OpenAPI document, static files.
    "public": dict.fromkeys(ROLES, A),
    # The credential is in the URL (ticket code, manage/agenda/pairing token): anyone who
    # holds the link; forged links are checked in test_forged_url_credentials_are_refused.
    "url-credential": dict.fromkeys(ROLES, A),
    # Organizer back office (admins too).
    "manage": {**dict.fromkeys(ROLES, D), "organizer": A, "admin": A},
    # Staff accounts: admins only.
    "admin": {**dict.fromkeys(ROLES, D), "admin": A},
    # Door pages for logged-in staff (door, organizer, admin).
    "door": {**dict.fromkeys(ROLES, D), "door": A, "organizer": A, "admin": A},
    # Scanner API: device tokens and logged-in staff who can scan — never attendees.
    "device-api": {**dict.fromkeys(ROLES, D), "device": A, "door": A, "organizer": A,
                   "admin": A},
    # "The checkpoint this device token belongs to": only a device has one.
    "device-only": {**dict.fromkeys(ROLES, D), "device": A},
    # Organizer API (personal token or login): statistics.
    "organizer-api": {**dict.fromkeys(ROLES, D), "organizer": A, "admin": A},
    # One registration: its own manage token, or an organizer.
    "attendee-api": {**dict.fromkeys(ROLES, D), "attendee": A, "organizer": A, "admin": A},
}

# Endpoint patterns (fnmatch) → category; the first match wins. Keep it explicit: a new
# blueprint must be added here on purpose.
ACCESS: list[tuple[str, str]] = [
    ("static", "public"),
    ("core.healthz", "public"),
    ("observability.readyz", "public"),
    ("prometheus_metrics", "public"),  # from private addresses only; see test_observability
    ("api-docs.openapi_json", "public"),
    ("auth.login_page", "public"),
    ("auth.logout", "public"),
    ("program.*", "public"),
    ("exports.changes", "public"),
    ("exports.agenda", "url-credential"),
    ("registration.register_page", "public"),
    ("registration.request_manage_link", "public"),
    ("registration.deleted", "public"),
    ("registration.*", "url-credential"),
    ("tickets.*", "url-credential"),
    ("checkin.pair", "url-credential"),
    ("checkin.service_worker", "public"),
    ("checkin.scanner", "public"),  # the same data-free shell for all; the API decides
    ("checkin.*", "door"),
    ("api_events.*", "public"),
    ("api_feeds.*", "public"),
    ("api_tickets.ticket_status", "public"),
    ("api_registrations.create_registration", "public"),
    ("api_registrations.*", "attendee-api"),
    ("api_checkin.stats", "organizer-api"),
    ("api_checkin.my_checkpoint", "device-only"),
    ("api_checkin.*", "device-api"),
    ("auth_manage.*", "admin"),
    ("manage.*", "manage"),
    ("audit_manage.*", "manage"),
    ("checkin_manage.*", "manage"),
    ("exports_manage.*", "manage"),
    ("outbox_manage.*", "manage"),
    ("registration_manage.*", "manage"),
    ("webhooks_manage.*", "manage"),
    ("tokens.*", "manage"),
]


def category(endpoint: str) -> str | None:
    for pattern, name in ACCESS:
        if fnmatch.fnmatchcase(endpoint, pattern):
            return name
    return None


# ---------------------------------------------------------------- the world the URLs point at


@pytest.fixture
def world(app, client, runner):
    """Real objects for every URL argument, created through the contract where it exists."""
    event = make_event(capacity=100)
    room = make_room(venue=event.venue)
    track = make_track(event)
    speaker = make_speaker()
    session = make_session(event, room, track=track, capacity=10, reservation_required=True,
                           speakers=[speaker])
    users = {role: _staff(role) for role in ("door", "organizer", "admin")}
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
    webhook = Webhook(event_id=event.id, url="http://127.0.0.1:9/hook", secret="s" * 20,
                      topics="registration.created")
    db.session.add(webhook)
    db.session.commit()
    from festa.checkin.models import Device, Scan
    from festa.registration.models import Registration

    registration = db.session.get(Registration, body["registration"]["id"])
    values = {
        "slug": event.slug, "event_id": event.id, "session_id": session.id,
        "speaker_id": speaker.id, "room_id": room.id, "venue_id": event.venue_id,
        "track_id": track.id, "registration_id": registration.id,
        "checkpoint_id": checkpoint_id, "scan_id": db.session.scalar(sa.select(sa.func.max(
            Scan.id))), "code": body["ticket"]["code"], "user_id": users["door"].id,
        "message_id": db.session.scalar(sa.select(sa.func.min(OutboxMessage.id))),
        "hook_id": webhook.id, "device_id": db.session.scalar(sa.select(sa.func.max(Device.id))),
        "token_id": users["organizer"].tokens[0].id, "index": 0,
        "filename": "css/festa.css", "table": "sessions", "fmt": "csv", "key": "missing",
    }
    tokens = {"manage": body["manage_token"], "agenda": registration.agenda_token,
              "device": device_token}
    return {"values": values, "tokens": tokens, "users": users}


def _staff(role: str) -> User:
    from tests.factories import make_user

    return make_user(email=f"{role}@festa.test", role=role)


def _find_id(payload) -> int:
    """The checkpoint id in GET /api/v1/checkpoints, whatever its exact nesting."""
    if isinstance(payload, dict):
        if "checkpoint" in payload:
            return _find_id(payload["checkpoint"])
        return int(payload["id"])
    return _find_id(payload[0])


def url_token(rule, world) -> str:
    """Which token a `<token>` in this rule means."""
    if rule.endpoint == "checkin.pair":
        return world["tokens"]["device"]
    if rule.endpoint == "exports.agenda":
        return world["tokens"]["agenda"]
    return world["tokens"]["manage"]


def build_url(rule, world, forged: bool = False) -> str:
    values = dict(world["values"])
    values["token"] = url_token(rule, world)
    if forged:
        values["token"] = "forged" + values["token"][6:]
        values["code"] = values["code"][:-4] + ("AAAA" if values["code"][-4:] != "AAAA"
                                               else "BBBB")
    args = {name: values[name] for name in rule.arguments}
    path = rule.build(args, append_unknown=False)[1]
    return path


# ---------------------------------------------------------------- walking the map


def routes(app) -> list[tuple[str, str, object]]:
    """(endpoint, method, rule) for every route; reads first, destructive actions last."""
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, rule))
    # Cancelling or deleting last: what is walked after them still has its objects.
    changes = re.compile(r"drop|revoke|active|retry|publish|undo")
    endings = re.compile(r"cancel|delete|logout")

    def order(item):
        endpoint, method, _rule = item
        tier = 0 if method == "GET" else 1
        tier += 1 if changes.search(endpoint) else 0
        tier += 2 if endings.search(endpoint) else 0
        return (tier, endpoint, method)

    return sorted(found, key=order)


def refused(response) -> bool:
    if response.status_code in (401, 403):
        return True
    location = response.headers.get("Location", "")
    return response.status_code in (301, 302, 303, 307) and "/login" in location


class Actor:
    """Sends requests as one role, logging staff back in if a route logged them out."""

    def __init__(self, role, client, auth, world):
        self.role, self.client, self.auth, self.world = role, client, auth, world
        self.headers = {}
        if role == "attendee":
            self.headers = {"Authorization": f"Bearer {world['tokens']['manage']}"}
        elif role == "device":
            self.headers = {"Authorization": f"Bearer {world['tokens']['device']}"}
        self.login()

    def login(self) -> None:
        if self.role in ("door", "organizer", "admin"):
            self.auth.login(self.role)

    def send(self, endpoint: str, method: str, url: str):
        with self.client.session_transaction() as sess:
            logged_in = "_user_id" in sess
        if not logged_in:
            self.login()
        kwargs = {"headers": dict(self.headers)}
        if method != "GET":
            kwargs["json" if url.startswith("/api/") else "data"] = {}
        # A well-formed request, so a refusal cannot hide behind a validation error.
        kwargs.update(SAMPLES.get(endpoint, lambda world: {})(self.world))
        return self.client.open(url, method=method, **kwargs)


SAMPLES = {
    "api_checkin.scan": lambda world: {"json": {"code": world["values"]["code"]}},
    "api_checkin.search": lambda world: {"query_string": {"q": "홍"}},
}


def test_every_endpoint_has_an_access_rule(app):
    missing = sorted({endpoint for endpoint, _m, _r in routes(app) if category(endpoint) is None})
    assert not missing, (
        "Routes without an access rule in tests/production/test_route_matrix.py ACCESS "
        "(decide who may use them): " + ", ".join(missing)
    )


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(app, client, auth, world, role):
    actor = Actor(role, client, auth, world)
    failures = []
    for endpoint, method, rule in routes(app):
        kind = category(endpoint)
        if kind is None:
            continue  # reported by test_every_endpoint_has_an_access_rule
        url = build_url(rule, world)
        response = actor.send(endpoint, method, url)
        expected = CATEGORIES[kind][role]
        status = response.status_code
        if "Content-Security-Policy" not in response.headers or \
                response.headers.get("X-Content-Type-Options") != "nosniff":
            failures.append(f"{method} {url} ({endpoint}): security headers missing")
        if status >= 500:
            failures.append(f"{method} {url} ({endpoint}, {kind}): {status} server error")
        elif expected == D and not refused(response):
            failures.append(f"{method} {url} ({endpoint}, {kind}): {status}, expected refusal")
        elif expected == A and refused(response):
            failures.append(f"{method} {url} ({endpoint}, {kind}): {status} refused, "
                            "expected access")
    assert not failures, f"as {role}:\n" + "\n".join(failures)


def test_forged_url_credentials_are_refused(app, client, world):
    failures = []
    for endpoint, method, rule in routes(app):
        if category(endpoint) != "url-credential" or method != "GET":
            continue
        if not ({"token", "code"} & set(rule.arguments)):
            continue
        url = build_url(rule, world, forged=True)
        status = client.get(url).status_code
        if status < 400 or status >= 500:
            failures.append(f"GET {url} ({endpoint}): {status}")
    assert not failures, "forged links must be refused:\n" + "\n".join(failures)
