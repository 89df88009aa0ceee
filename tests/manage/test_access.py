"""Who may open which manage page: every route of the "manage" blueprint and of every
"<area>_manage" blueprint, read from the app's url map (so routes added later are covered),
for anonymous visitors, door staff, organizers and admins. And CSRF on every form."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from werkzeug.routing import IntegerConverter

from festa import create_app
from festa.extensions import db
from festa.program.models import Event

DUMMY_ID = 987654


def _manage_routes() -> list[tuple[str, str, str]]:
    """(endpoint, method, path) for every manage route, ids filled with a dummy."""
    app = create_app({"TESTING": True})  # only its url map is read: no database needed
    adapter = app.url_map.bind("localhost")
    routes = []
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.rpartition(".")[0]
        if not (blueprint == "manage" or blueprint.endswith("_manage")):
            continue
        values = {
            name: DUMMY_ID if isinstance(rule._converters[name], IntegerConverter) else "dummy"
            for name in rule.arguments
        }
        method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"OPTIONS"})[0]
        routes.append((rule.endpoint, method, adapter.build(rule.endpoint, values)))
    return sorted(routes)


ROUTES = _manage_routes()
ADMIN_ONLY = "can_manage_staff"


def _permission(app, endpoint: str) -> str | None:
    return getattr(app.view_functions[endpoint], "staff_permission", None)


def _statuses(client) -> dict[str, int]:
    """Each manage route's status for the client's current login."""
    return {endpoint: client.open(path, method=method, data={}).status_code
            for endpoint, method, path in ROUTES}


def _expected(app, role: str, endpoint: str, status: int) -> bool:
    if role == "door":
        return status == 403
    if role == "organizer" and _permission(app, endpoint) == ADMIN_ONLY:
        return status == 403
    # 404 for the dummy ids is fine; a 500 is a bug.
    return status not in (401, 403) and status < 500


def test_the_matrix_covers_the_manage_pages():
    endpoints = {endpoint for endpoint, _, _ in ROUTES}
    assert {"manage.index", "manage.event_edit", "manage.session_edit", "manage.speakers",
            "manage.venues", "auth_manage.staff", "manage.event_conflicts"} <= endpoints


def test_anonymous_visitors_are_sent_to_login(client):
    wrong = {}
    for endpoint, method, path in ROUTES:
        response = client.open(path, method=method, data={})
        location = response.headers.get("Location", "")
        if response.status_code != 302 or not location.startswith("/login"):
            wrong[endpoint] = (response.status_code, location)
    assert not wrong


@pytest.mark.parametrize("role", ["door", "organizer", "admin"])
def test_each_role_reaches_exactly_its_pages(app, client, auth, role):
    """Door staff: 403 everywhere here; organizers: everything but staff accounts (403);
    admins: everything. Every manage route of every area is checked (one login per role:
    scrypt is slow on purpose)."""
    auth.login(role)
    wrong = {endpoint: status for endpoint, status in _statuses(client).items()
             if not _expected(app, role, endpoint, status)}
    assert not wrong


def test_staff_pages_are_for_admins_only(app):
    staff_endpoints = {e for e, _, _ in ROUTES if e.startswith("auth_manage.staff")}
    assert staff_endpoints
    assert all(_permission(app, e) == ADMIN_ONLY for e in staff_endpoints)


def test_door_staff_reach_the_door(client, auth):
    auth.login("door")
    assert client.get("/door/").status_code not in (302, 401, 403)


def test_a_deactivated_account_is_logged_out(client, auth):
    user = auth.login("organizer")
    assert client.get("/manage/").status_code == 200
    user.active = False
    db.session.commit()
    response = client.get("/manage/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def _csrf_login(client, role_email: str, password: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": role_email, "password": password,
                                           "csrf_token": token})
    assert response.status_code == 302


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_posts_without_csrf_token_are_refused(client, auth):
    from tests.factories import make_user

    make_user(email="csrf@festa.test", role="organizer", password=auth.PASSWORD)
    db.session.commit()
    _csrf_login(client, "csrf@festa.test", auth.PASSWORD)
    data = {"slug": "forged", "name_ko": "위조", "name_en": "Forged", "start_date": "2026-03-10",
            "end_date": "2026-03-10", "timezone": "Asia/Seoul"}
    response = client.post("/manage/events/new", data=data)
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Event.id))) == 0
    # The same form with the page's token goes through: the refusal was the token's doing.
    page = client.get("/manage/events/new").get_data(as_text=True)
    data["csrf_token"] = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert client.post("/manage/events/new", data=data).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Event.id))) == 1
