"""Every route of the app × every role → the expected kind of answer.

Built from `app.url_map`: a route whose endpoint no rule in ACCESS covers fails the test, so a
new page or API cannot be added without deciding who may use it. For each role the whole map
is walked with real objects in the URLs (an event, a session, a registration with its manage
token and ticket, a checkpoint with a device, a scan, staff, mail…):

- "allow": anything but a refusal, and never a 5xx (a POST with an empty body may get 4xx);
- "deny": 401/403, or a redirect to the login page — never the thing itself;
- "hidden": 404, as for something that does not exist — staff on another event's team
  ("other-organizer", "other-door") on every route that names something of this event.

Credentials that travel in the URL (ticket codes, manage links, agenda feeds, pairing links)
are checked separately: a forged one is refused for everyone.
"""

from __future__ import annotations

import fnmatch
import re

import pytest

ROLES = ("anonymous", "attendee", "device", "door", "organizer", "admin", "other-door",
         "other-organizer")
A, D, H = "allow", "deny", "hidden"
# Staff on the team of another event only: as their role, except on this event's things.
OTHER_TEAM = {"other-door": "door", "other-organizer": "organizer"}
# Categories where staff act as staff (elsewhere they are visitors like anyone else).
STAFF_KINDS = {"manage", "admin", "door", "device-api", "organizer-api", "attendee-api"}
# URL arguments that name something belonging to one event.
EVENT_ARGUMENTS = {"slug", "event_id", "session_id", "track_id", "registration_id",
                   "checkpoint_id", "scan_id", "device_id", "hook_id", "message_id",
                   "question_id", "choice_id"}

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
    # The browser that opened a manage link before (kept in its session cookie): ☆ bookmarks.
    # Every actor here has (the GET of registration.manage is walked before any POST);
    # tests/registration/test_stars.py refuses a browser that has not.
    "attendee-browser": dict.fromkeys(ROLES, A),
}

# Endpoint patterns (fnmatch) → category; the first match wins. Keep it explicit: a new
# blueprint must be added here on purpose.
ACCESS: list[tuple[str, str]] = [
    ("static", "public"),
    ("core.healthz", "public"),
    ("core.favicon", "public"),
    ("core.manifest", "public"),
    ("observability.readyz", "public"),
    ("prometheus_metrics", "public"),  # from private addresses only; see test_observability
    ("api-docs.openapi_json", "public"),
    ("auth.login_page", "public"),
    ("auth.logout", "public"),
    ("auth.change_password", "door"),  # any logged-in staff member, for their own account
    ("program.*", "public"),
    ("opendata.changes", "public"),
    ("opendata.agenda", "url-credential"),
    ("opendata.rotate_agenda", "url-credential"),  # manage token in the URL
    ("registration.register_page", "public"),
    ("registration.request_manage_link", "public"),
    ("registration.deleted", "public"),
    ("registration.*", "url-credential"),
    ("registration_answers.*", "url-credential"),
    ("bookmarks.toggle", "attendee-browser"),
    ("tickets.*", "url-credential"),
    ("checkin.pair", "url-credential"),
    ("checkin.service_worker", "public"),
    ("checkin.scanner", "public"),  # the same data-free shell for all; the API decides
    ("checkin.*", "door"),
    ("api_events.move", "organizer-api"),
    ("api_events.*", "public"),
    ("api_feeds.*", "public"),
    ("api_tickets.ticket_status", "public"),
    ("api_registrations.create_registration", "public"),
    ("api_registrations.*", "attendee-api"),
    ("api_checkin.stats", "organizer-api"),
    ("api_checkin.my_checkpoint", "device-only"),
    ("api_checkin.*", "device-api"),
    ("api_badges.*", "device-api"),  # badges: the event's organizers and door staff
    ("auth_manage.*", "admin"),
    ("manage.*", "manage"),
    ("audit_manage.*", "manage"),
    ("checkin_manage.*", "manage"),
    ("opendata_manage.*", "manage"),
    ("outbox_manage.*", "manage"),
    ("registration_manage.*", "manage"),
    ("badges_manage.*", "manage"),
    ("questions_manage.*", "manage"),
    ("webhooks_manage.*", "manage"),
    ("tokens.*", "manage"),
]


def expected(kind: str, role: str, rule) -> str:
    """What `role` should get on this route of category `kind`."""
    if role not in OTHER_TEAM:
        return CATEGORIES[kind][role]
    answer = CATEGORIES[kind][OTHER_TEAM[role]]
    if answer == A and kind in STAFF_KINDS and EVENT_ARGUMENTS & set(rule.arguments):
        return H
    return answer


def category(endpoint: str) -> str | None:
    for pattern, name in ACCESS:
        if fnmatch.fnmatchcase(endpoint, pattern):
            return name
    return None


def url_token(rule, world) -> str:
    """Which token a `<token>` in this rule means."""
    if rule.endpoint == "checkin.pair":
        return world["tokens"]["device"]
    if rule.endpoint == "opendata.agenda":
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
        elif self.role in OTHER_TEAM:
            self.auth.login(OTHER_TEAM[self.role], email=f"{self.role}@festa.test")

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
        answer = expected(kind, role, rule)
        status = response.status_code
        if "Content-Security-Policy" not in response.headers or \
                response.headers.get("X-Content-Type-Options") != "nosniff":
            failures.append(f"{method} {url} ({endpoint}): security headers missing")
        if status >= 500:
            failures.append(f"{method} {url} ({endpoint}, {kind}): {status} server error")
        elif answer == D and not refused(response):
            failures.append(f"{method} {url} ({endpoint}, {kind}): {status}, expected refusal")
        elif answer == H and status != 404:
            failures.append(f"{method} {url} ({endpoint}, {kind}): {status}, expected 404 "
                            "(another event's team)")
        elif answer == A and refused(response):
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
