"""Property-based fuzzing (hypothesis): whatever arrives, nothing escapes as a 500.

- the ticket code parser raises nothing but InvalidCode, and a changed code never verifies;
- the scan and registration APIs answer garbage with 4xx (or a scan result), never 5xx;
- every form (found by reading the page's own <form>) survives random input;
- the CSV importer turns any bytes into a plan with errors, and its upload → preview
  pages never fail.

Examples are few and bounded (make test stays fast); the database is not reset between
examples, which is part of the point: state accumulates as it would in production.
"""

from __future__ import annotations

import json
import re
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from festa.tickets.codes import CODE_LENGTH, InvalidCode, TicketClaims, b64url_decode, verify_code

FUZZ = settings(max_examples=40, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
FEW = settings(FUZZ, max_examples=15)
URLSAFE = string.ascii_letters + string.digits + "-_"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.floats(allow_nan=False)
    | st.text(max_size=60),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                max_size=4),
    max_leaves=12,
)


# ---------------------------------------------------------------- ticket codes


def _check_code(text: str) -> TicketClaims | None:
    try:
        return verify_code(text)
    except InvalidCode as error:
        assert error.reason in {"malformed", "unknown_key", "bad_signature"}
        return None


@FUZZ
@given(text=st.one_of(
    st.text(max_size=300),
    st.text(alphabet=URLSAFE, min_size=CODE_LENGTH, max_size=CODE_LENGTH),
    st.binary(min_size=74, max_size=74).map(
        lambda raw: __import__("base64").urlsafe_b64encode(raw).rstrip(b"=").decode()),
    st.text(max_size=120).map(lambda t: "https://festa.example/tickets/" + t),
))
def test_verify_code_raises_only_invalid_code(app, text):
    claims = _check_code(text)
    assert claims is None or isinstance(claims, TicketClaims)


@FUZZ
@given(position=st.integers(0, CODE_LENGTH - 1), char=st.sampled_from(URLSAFE))
def test_a_changed_code_never_verifies_as_something_else(world, position, char):
    code = world["values"]["code"]
    changed = code[:position] + char + code[position + 1:]
    claims = _check_code(changed)
    if claims is not None:
        # Only a change inside base64's unused padding bits decodes to the same bytes.
        assert b64url_decode(changed) == b64url_decode(code)


# ---------------------------------------------------------------- APIs


@FUZZ
@given(code=st.text(max_size=400), extra=st.dictionaries(
    st.sampled_from(["direction", "scanned_at", "client_scan_id", "zzz"]), json_values,
    max_size=3))
def test_scan_api_answers_any_code(client, world, code, extra):
    checkpoint = world["values"]["checkpoint_id"]
    response = client.post(f"/api/v1/checkpoints/{checkpoint}/scans",
                           json={"code": code, **extra},
                           headers={"Authorization": f"Bearer {world['tokens']['device']}"})
    assert response.status_code < 500, response.get_data(as_text=True)
    if response.status_code == 200:
        assert response.get_json()["result"] in {
            "ok", "already_checked_in", "invalid", "revoked", "wrong_event", "not_allowed",
            "room_full"}


@FUZZ
@given(body=st.one_of(json_values, st.fixed_dictionaries({}, optional={
    "name": json_values | st.text(max_size=120), "email": json_values | st.emails(),
    "organization": json_values, "locale": json_values | st.sampled_from(["ko", "en"]),
    "sessions": json_values | st.lists(st.integers(-5, 10**12), max_size=3),
    "consent": json_values | st.booleans(),
})))
def test_registration_api_answers_any_body(client, world, body):
    slug = world["values"]["slug"]
    response = client.post(f"/api/v1/events/{slug}/registrations", data=json.dumps(body),
                           content_type="application/json")
    assert response.status_code in (201, 400, 409, 415, 422), (
        response.status_code, response.get_data(as_text=True)[:300])
    if response.status_code >= 400:
        assert response.get_json()["error"]["code"]


@FEW
@given(raw=st.binary(max_size=300))
def test_api_survives_malformed_json(client, world, raw):
    slug = world["values"]["slug"]
    response = client.post(f"/api/v1/events/{slug}/registrations", data=raw,
                           content_type="application/json")
    assert 400 <= response.status_code < 500


# ---------------------------------------------------------------- every form


FORM = re.compile(r"(<form\b[^>]*>)(.*?)</form>", re.S | re.I)
FIELD = re.compile(r"<(input|select|textarea)\b([^>]*)>", re.S)
ATTR = re.compile(r'([\w-]+)="([^"]*)"')
SKIP_TYPES = {"submit", "button", "hidden", "file", "image", "reset"}
FORMS = [
    ("anonymous", "/events/{slug}/register"),
    ("anonymous", "/login"),
    ("organizer", "/manage/events/new"),
    ("organizer", "/manage/events/{event_id}/edit"),
    ("organizer", "/manage/events/{event_id}/sessions/new"),
    ("organizer", "/manage/sessions/{session_id}/edit"),
    ("organizer", "/manage/speakers/new"),
    ("organizer", "/manage/venues/new"),
    ("organizer", "/manage/events/{event_id}/tracks/new"),
    ("organizer", "/manage/events/{event_id}/registrations/new"),
    ("organizer", "/manage/events/{event_id}/checkpoints/new"),
    ("organizer", "/manage/tokens"),
    ("admin", "/manage/staff/new"),
]


def form_fields(html: str) -> dict[str, tuple[str, list[str]]]:
    """{name: (input type, option values)} of the page's biggest POST form (not the header's
    log-out button)."""
    best: dict[str, tuple[str, list[str]]] = {}
    for opening, form in FORM.findall(html):
        if 'method="post"' not in opening.lower():
            continue
        fields = _fields(form)
        if len(fields) > len(best):
            best = fields
    return best


def _fields(form: str) -> dict[str, tuple[str, list[str]]]:
    fields: dict[str, tuple[str, list[str]]] = {}
    for tag, attrs in FIELD.findall(form):
        values = dict(ATTR.findall(attrs))
        name = values.get("name")
        kind = values.get("type", tag)
        if not name or kind in SKIP_TYPES or name == "csrf_token":
            continue
        options = []
        if tag == "select":
            start = form.find(attrs)
            options = re.findall(r'<option[^>]*value="([^"]*)"',
                                 form[start:form.find("</select>", start)])
        fields[name] = (kind, options)
    return fields


def value_strategy(kind: str, options: list[str]) -> st.SearchStrategy:
    noise = st.text(max_size=80)
    if options:
        return st.sampled_from(options) | noise
    if kind in ("checkbox", "radio"):
        return st.sampled_from(["y", "on", ""]) | noise
    if kind == "number":
        return st.integers(-10**6, 10**12).map(str) | noise
    if kind in ("date", "datetime-local", "time"):
        return st.dates().map(str) | st.times().map(lambda t: t.strftime("%H:%M")) | noise
    if kind == "email":
        return st.emails() | noise
    return noise | st.text(alphabet="가나다라 ㅇㅅㅎ<>&\"'", max_size=40)


@pytest.mark.parametrize("role,path", FORMS)
def test_forms_survive_random_input(client, auth, world, role, path):
    if role != "anonymous":
        auth.login(role)
    url = path.format(**world["values"])
    page = client.get(url)
    if page.status_code == 404:
        pytest.skip(f"{url} does not exist (yet)")
    assert page.status_code == 200, (url, page.status_code)
    fields = form_fields(page.get_data(as_text=True))
    if not fields:
        pytest.skip(f"{url} has no form fields")

    @FEW
    @given(data=st.fixed_dictionaries({name: value_strategy(*spec)
                                       for name, spec in fields.items()}))
    def post(data):
        response = client.post(url, data=data)
        assert response.status_code < 500, (url, data, response.status_code)
        with client.session_transaction() as sess:
            if role != "anonymous" and "_user_id" not in sess:
                auth.login(role)  # a form that logs out (staff/password) must not end the run

    post()


# ---------------------------------------------------------------- the CSV importer


def _csv_columns() -> str:
    import_csv = pytest.importorskip("festa.opendata.import_csv")
    return ",".join(import_csv.COLUMNS)


cells = st.one_of(st.text(max_size=30), st.sampled_from([
    "2026-03-10", "10:00", "25:99", "keynote", "workshop", "ko", "ko+en", "-1", "99999999999",
    "오세훈", "Jerry Kaplan", "=cmd()", '"', "", "true", "no"]))


@FUZZ
@given(raw=st.one_of(
    st.binary(max_size=400),
    st.lists(st.lists(cells, min_size=0, max_size=18), max_size=6).map(
        lambda rows: (_csv_columns() + "\n" + "\n".join(",".join(r) for r in rows)).encode()),
))
def test_csv_importer_turns_any_bytes_into_a_plan(world, raw):
    import_csv = pytest.importorskip("festa.opendata.import_csv")
    from festa.extensions import db
    from festa.program.models import Event

    event = db.session.get(Event, world["values"]["event_id"])
    plan = import_csv.parse(raw, event)
    assert isinstance(plan.rows, list) and isinstance(plan.errors, list)
    for error in plan.errors:
        assert {"line", "field", "message"} <= set(error)


@FEW
@given(raw=st.lists(st.lists(cells, min_size=19, max_size=19), min_size=1, max_size=4).map(
    lambda rows: (_csv_columns() + "\n" + "\n".join(",".join(r) for r in rows)).encode()))
def test_csv_upload_and_preview_never_fail(client, auth, world, raw):
    import io

    pytest.importorskip("festa.opendata.import_csv")
    with client.session_transaction() as sess:
        if "_user_id" not in sess:
            auth.login("organizer")
    url = f"/manage/events/{world['values']['event_id']}/import"
    response = client.post(url, data={"upload": (io.BytesIO(raw), "programme.csv")},
                           content_type="multipart/form-data")
    assert response.status_code < 500
    if response.status_code in (302, 303):
        preview = client.get(response.headers["Location"])
        assert preview.status_code < 500, preview.get_data(as_text=True)[:500]


# ---------------------------------------------------------------- search and filter parameters


SEARCHES = [
    ("anonymous", "/events/{slug}/schedule"),
    ("anonymous", "/events/{slug}/speakers"),
    ("organizer", "/manage/events/{event_id}/registrations"),
    ("organizer", "/manage/audit"),
    ("organizer", "/manage/mail"),
]


def get_form_fields(html: str) -> dict[str, tuple[str, list[str]]]:
    """Fields of the page's GET forms (filters and searches)."""
    fields: dict[str, tuple[str, list[str]]] = {}
    for opening, form in FORM.findall(html):
        if 'method="post"' not in opening.lower():
            fields.update(_fields(form))
    return fields


@pytest.mark.parametrize("role,path", SEARCHES)
def test_filters_survive_random_queries(client, auth, world, role, path):
    if role != "anonymous":
        auth.login(role)
    url = path.format(**world["values"])
    page = client.get(url)
    if page.status_code == 404:
        pytest.skip(f"{url} does not exist (yet)")
    fields = get_form_fields(page.get_data(as_text=True))
    names = sorted(fields) + ["page", "q", "lang", "day"]

    @FEW
    @given(query=st.dictionaries(st.sampled_from(names), st.one_of(
        st.text(max_size=40), st.integers(-10**20, 10**20).map(str),
        st.sampled_from(["²", "٣", "ㅇㅅㅎ", "%", "_", "\\", "'--", "2026-02-30"])), max_size=4))
    def search(query):
        response = client.get(url, query_string=query)
        assert response.status_code < 500, (url, query, response.status_code)

    search()


@FEW
@given(q=st.one_of(st.text(max_size=60), st.integers(-10**20, 10**20).map(str),
                   st.sampled_from(["²", "#²", "#99999999999999999999", "ㅇㅅㅎ", "%_"])))
def test_door_search_answers_any_query(client, world, q):
    checkpoint = world["values"]["checkpoint_id"]
    response = client.get(f"/api/v1/checkpoints/{checkpoint}/search", query_string={"q": q},
                          headers={"Authorization": f"Bearer {world['tokens']['device']}"})
    assert response.status_code < 500, (q, response.get_data(as_text=True)[:300])
