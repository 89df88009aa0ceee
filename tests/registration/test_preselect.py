"""Session pages link to the register form with `?sessions=<id>`: those sessions come ticked."""

from __future__ import annotations

import re

import pytest

from festa.extensions import db
from festa.registration.models import Registration
from tests.factories import make_event, make_session
from tests.registration.conftest import person


@pytest.fixture
def choices(app, event, workshop):
    """The event's workshop plus: another reservable one, a talk without reservations, a
    cancelled workshop and another event's workshop."""
    second = make_session(event, kind="workshop", capacity=5, reservation_required=True)
    talk = make_session(event, kind="talk")
    cancelled = make_session(event, kind="workshop", capacity=5, reservation_required=True,
                             cancelled=True)
    elsewhere = make_session(make_event(), kind="workshop", capacity=5,
                             reservation_required=True)
    db.session.commit()
    return {"workshop": workshop.id, "second": second.id, "talk": talk.id,
            "cancelled": cancelled.id, "elsewhere": elsewhere.id}


def ticked(client, slug: str, query: str) -> tuple[set[int], set[int]]:
    """(ticked, offered) session checkboxes of the register page."""
    response = client.get(f"/events/{slug}/register{query}")
    assert response.status_code == 200
    boxes = re.findall(r'<input[^>]*name="sessions"[^>]*>', response.get_data(as_text=True))
    values = {int(re.search(r'value="(\d+)"', box).group(1)): "checked" in box for box in boxes}
    return {v for v, on in values.items() if on}, set(values)


def test_nothing_ticked_without_a_request(client, event, choices):
    assert ticked(client, event.slug, "") == (set(), {choices["workshop"], choices["second"]})


def test_the_session_pages_link_ticks_its_session(client, event, choices):
    assert ticked(client, event.slug, f"?sessions={choices['second']}")[0] == {choices["second"]}


@pytest.mark.parametrize("query", ["?sessions={workshop}&sessions={second}",
                                   "?sessions={workshop},{second}",
                                   "?sessions=%20{workshop}%20,,{second}&sessions={workshop}"])
def test_repeated_or_comma_separated_ids(client, event, choices, query):
    assert ticked(client, event.slug, query.format(**choices))[0] == {
        choices["workshop"], choices["second"]}


@pytest.mark.parametrize("name", ["talk", "cancelled", "elsewhere"])
def test_only_this_events_reservable_sessions_are_ticked(client, event, choices, name):
    query = f"?sessions={choices[name]},{choices['workshop']}"
    assert ticked(client, event.slug, query)[0] == {choices["workshop"]}


@pytest.mark.parametrize("junk", ["abc", "%C2%B2", "-1", "99999999999999999999", "", "1.5"])
def test_junk_is_ignored(client, event, choices, junk):
    assert ticked(client, event.slug, f"?sessions={junk}")[0] == set()


def test_a_post_takes_the_form_not_the_link(client, event, choices):
    data = {**person(), "locale": "ko", "consent": "y"}
    response = client.post(f"/events/{event.slug}/register?sessions={choices['workshop']}",
                           data=data)
    assert response.status_code == 302
    registration = db.session.scalar(db.select(Registration))
    assert registration.reservations == []
