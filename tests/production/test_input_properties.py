"""Property-based (hypothesis): registrations, scans and door searches with the text people
really type and the text attackers send — Hangul syllables, conjoining jamo, decomposed
(NFD) Hangul, emoji, control and bidi characters, internationalised addresses, huge
numbers. On whichever database the suite runs on (SQLite by default, PostgreSQL with
DATABASE_URL):

- nothing is ever a 5xx;
- what the rules accept (festa.core.inputs) is registered, and reads back exactly as the
  rules store it (NFC, stripped); what they refuse is a 422 naming the field.
"""

from __future__ import annotations

import unicodedata

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from festa.core import inputs
from festa.extensions import db
from festa.registration.models import Registration
from tests.checkin.helpers import device_token, setup_event

PROPERTIES = settings(max_examples=40, deadline=None, database=None, derandomize=True,
                      suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])


def _range(low: int, high: int) -> st.SearchStrategy[str]:
    return st.characters(min_codepoint=low, max_codepoint=high)


hangul = _range(0xAC00, 0xD7A3)
jamo = _range(0x1100, 0x11FF) | _range(0x3131, 0x318E)
emoji = _range(0x1F300, 0x1FAFF) | st.sampled_from(["\u200d", "\ufe0f", "\U0001F3FD"])
sequences = st.sampled_from(["👩‍💻", "🇰🇷", "👍🏽"])  # several code points each
controls = _range(0x00, 0x1F) | _range(0x7F, 0x9F) | st.sampled_from(["\u2028", "\u2029"])
bidi = st.sampled_from(sorted(inputs.BIDI_CONTROLS) + ["\u200e", "\u200f"])
latin = st.sampled_from("abcxyz ABC-'.홍길동")
characters = hangul | jamo | emoji | controls | bidi | latin | st.characters()


def text(pieces: st.SearchStrategy[str], max_size: int) -> st.SearchStrategy[str]:
    """Strings of `pieces` (single characters or emoji sequences)."""
    return st.lists(pieces, max_size=max_size).map("".join)


anything = text(characters | sequences, 110)

names = st.one_of(
    st.text(hangul | latin, min_size=1, max_size=12),  # mostly acceptable
    st.text(hangul, min_size=1, max_size=8).map(lambda t: unicodedata.normalize("NFD", t)),
    anything,
)
local_parts = st.text(st.sampled_from("abcdefghij0123456789") | hangul, min_size=1,
                      max_size=12)
domains = st.one_of(
    st.sampled_from(["example.com", "한국.kr", "서울.한국", "xn--3e0b707e.kr", "festa.test"]),
    st.text(hangul, min_size=1, max_size=6).map(lambda label: f"{label}.kr"),
)
addresses = st.one_of(
    st.builds(lambda local, domain: f"{local}@{domain}", local_parts, domains),
    text(characters | sequences, 60),
)
huge_numbers = st.integers(min_value=-(2**80), max_value=2**80)


def _expected(name: str, email: str) -> tuple[str, str] | None:
    """What the rules store for this input, or None when they refuse it."""
    try:
        return (inputs.clean_text(name, max_length=100, required=True),
                inputs.clean_email(email))
    except inputs.InputError:
        return None


@pytest.fixture
def open_event(app):
    event, entrance, tickets = setup_event(tickets=3, capacity=100_000)
    return event, entrance, device_token(entrance), tickets


@PROPERTIES
@given(name=names, email=addresses, organization=text(characters | sequences, 40),
       sessions=st.lists(huge_numbers, max_size=3))
def test_registrations_never_fail_and_read_back_exactly(client, open_event, name, email,
                                                        organization, sessions):
    event = open_event[0]
    response = client.post(f"/api/v1/events/{event.slug}/registrations", json={
        "name": name, "email": email, "organization": organization, "consent": True,
        "sessions": sessions})
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    expected = _expected(name, email)
    if response.status_code == 201:
        registration = db.session.get(Registration, response.get_json()["registration"]["id"])
        db.session.refresh(registration)
        assert (registration.name, registration.email) == expected
        assert registration.organization == inputs.clean_text(organization, max_length=200)
    elif response.status_code == 422:
        fields = response.get_json()["error"]["fields"]
        assert {field.split(".")[0] for field in fields} <= {"name", "email", "organization",
                                                              "sessions"}
    else:
        assert response.status_code == 409  # the same address twice
    if expected is not None and not sessions:
        try:
            inputs.clean_text(organization, max_length=200)
        except inputs.InputError:
            return
        assert response.status_code in (201, 409), response.get_data(as_text=True)[:300]


@PROPERTIES
@given(code=text(characters | sequences, 120) | st.sampled_from(["", "x" * 3000]),
       scanned_at=st.one_of(
           st.none(), text(characters, 30),
           st.integers(1, 9999).map(lambda year: f"{year:04d}-06-01T10:00:00+09:00"),
           st.sampled_from(["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"])),
       client_scan_id=st.none() | text(characters | sequences, 120),
       direction=st.sampled_from(["entry", "exit", "sideways", ""]),
       real_ticket=st.booleans())
def test_scans_never_fail(client, open_event, code, scanned_at, client_scan_id, direction,
                          real_ticket):
    _event, entrance, token, tickets = open_event
    body = {"code": tickets[0].code if real_ticket else code, "direction": direction}
    if scanned_at is not None:
        body["scanned_at"] = scanned_at
    if client_scan_id is not None:
        body["client_scan_id"] = client_scan_id
    response = client.post(f"/api/v1/checkpoints/{entrance.id}/scans", json=body,
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    assert response.status_code in (200, 422)


@PROPERTIES
@given(query=st.one_of(text(characters | sequences, 60),
                       st.text(hangul, min_size=1, max_size=4).map(
                           lambda t: unicodedata.normalize("NFD", t)),
                       huge_numbers.map(str), addresses))
def test_door_searches_never_fail(client, open_event, query):
    _event, entrance, token, _tickets = open_event
    response = client.get(f"/api/v1/checkpoints/{entrance.id}/search",
                          query_string={"q": query},
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    if response.status_code == 200:
        for hit in response.get_json():
            assert unicodedata.is_normalized("NFC", hit["name"])


def test_decomposed_and_composed_hangul_are_one_person(client, open_event):
    """The property above in one concrete case: 홍길동 typed decomposed is stored composed,
    and both spellings find it."""
    event, entrance, token, _tickets = open_event
    decomposed = unicodedata.normalize("NFD", "홍길동")
    assert client.post(f"/api/v1/events/{event.slug}/registrations", json={
        "name": decomposed, "email": "hong@한국.kr", "consent": True}).status_code == 201
    assert db.session.scalar(sa.select(Registration.name).where(
        Registration.email == "hong@한국.kr")) == "홍길동"
