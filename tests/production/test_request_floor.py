"""What every request pays for, made cheaper without changing what it does: a cached
schedule document still carries every security header and the request id and is counted
in the metrics; the locale, the compressed variant, the session cookie and Flask's
coroutine check come out as before."""

from __future__ import annotations

import time

import pytest
from flask import session

from festa.core.cache import accepted_encoding
from festa.extensions import db
from festa.i18n import select_locale
from festa.security import HSTS, SECURITY_HEADERS
from tests.factories import make_event, make_room, make_session


@pytest.fixture
def feed(app):
    event = make_event(capacity=None)
    make_session(event, make_room(venue=event.venue), title_en="Opening keynote")
    db.session.commit()
    return f"/api/v1/events/{event.slug}/schedule.json"


def _has_every_security_header(response) -> bool:
    return all(response.headers.get(name) == value for name, value in SECURITY_HEADERS.items())


@pytest.mark.parametrize("accept", ["", "gzip, br"])
def test_a_cached_feed_and_its_304_carry_the_security_headers_and_the_request_id(
        client, feed, accept):
    headers = {"Accept-Encoding": accept} if accept else {}
    client.get(feed, headers=headers)  # rendered and cached
    cached = client.get(feed, headers={**headers, "X-Request-ID": "edge-7"})
    assert cached.status_code == 200 and _has_every_security_header(cached)
    assert cached.headers["X-Request-ID"] == "edge-7"
    unchanged = client.get(feed, headers={**headers, "If-None-Match": cached.headers["ETag"]})
    assert unchanged.status_code == 304 and _has_every_security_header(unchanged)
    made = unchanged.headers["X-Request-ID"]
    assert len(made) == 32 and int(made, 16) >= 0
    assert "Set-Cookie" not in unchanged.headers
    assert "Strict-Transport-Security" not in unchanged.headers


def test_hsts_and_private_caching_still_follow_the_request(client, feed):
    secure = client.get(feed, base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == HSTS
    # A token holder's answer carries personal data: never in shared caches.
    with_token = client.get("/healthz", headers={"Authorization": "Bearer nothing"})
    assert with_token.headers["Cache-Control"] == "private, no-store"
    assert "Cache-Control" not in client.get("/healthz").headers


def test_metrics_count_cached_feeds_and_their_304(client, feed):
    etag = client.get(feed).headers["ETag"]
    for _ in range(3):
        assert client.get(feed, headers={"If-None-Match": etag}).status_code == 304
    text = client.get("/metrics").get_data(as_text=True)
    rule = 'url_rule="/api/v1/events/<slug>/schedule.json"'
    counted = [line for line in text.splitlines()
               if line.startswith("flask_http_request_duration_seconds_count")
               and rule in line and 'status="304"' in line]
    assert counted and float(counted[0].split()[-1]) == 3.0


@pytest.mark.parametrize(("query", "accept_language", "chosen"), [
    ("", None, "ko"),
    ("", "en-US,en;q=0.9", "en"),
    ("", "de, en;q=0.5, ko;q=0.8", "ko"),
    ("", "fr", "ko"),
    ("?lang=en", "ko", "en"),
    ("?lang=xx", "en", "en"),
])
def test_the_locale_is_chosen_as_before(app, query, accept_language, chosen):
    headers = {"Accept-Language": accept_language} if accept_language else {}
    for _ in range(2):  # the second time from the parsed header kept per process
        with app.test_request_context("/" + query, headers=headers):
            assert str(select_locale()) == chosen


def test_the_language_asked_for_is_remembered_in_the_session(client):
    client.get("/?lang=en")
    with client.session_transaction() as kept:
        assert kept["lang"] == "en"
    with client.application.test_request_context("/"):
        session["lang"] = "en"
        assert str(select_locale()) == "en"


@pytest.mark.parametrize(("algorithm", "accept", "chosen"), [
    (["br", "gzip"], "gzip, br", "br"),
    (["br", "gzip"], "gzip", "gzip"),
    ("gzip, br", "br;q=0.5, gzip", "gzip"),
    (["gzip"], "br", None),
    (["br", "gzip"], "identity", None),
    (["br", "gzip"], "", None),
])
def test_the_compressed_variant_is_chosen_as_before(app, algorithm, accept, chosen):
    app.config["COMPRESS_ALGORITHM"] = algorithm
    for _ in range(2):
        with app.test_request_context("/", headers={"Accept-Encoding": accept}):
            assert accepted_encoding() == chosen


def test_a_request_without_the_cookie_gets_none_unless_the_session_changes(client):
    plain = client.get("/healthz")
    assert "Set-Cookie" not in plain.headers
    asked = client.get("/?lang=en")
    assert "session=" in asked.headers["Set-Cookie"] and "Cookie" in asked.headers["Vary"]
    with client.session_transaction() as kept:  # sent back, the cookie is read
        assert kept["lang"] == "en"


def test_the_coroutine_check_is_remembered_per_function(app):
    def hook() -> None:
        return None

    assert app.ensure_sync(hook) is hook
    assert hook in app._synced and app.ensure_sync(hook) is hook


def test_metrics_keep_the_exporters_names_and_leave_out_static_files(client):
    client.get("/no-such-page")
    client.get("/static/no-such-file.css")
    client.get("/metrics")
    text = client.get("/metrics").get_data(as_text=True)
    assert "flask_exporter_info{" in text
    assert ('flask_http_request_duration_seconds_count'
            '{method="GET",status="404",url_rule="None"} 1.0') in text
    assert 'flask_http_request_total{method="GET",status="404"} 1.0' in text
    assert "/static/" not in text and 'url_rule="/metrics"' not in text


def test_a_session_is_signed_once_per_second_and_reads_back(app, monkeypatch):
    serializer = app.session_interface.get_signing_serializer(app)
    signings = []
    sign = serializer._serializer.dumps
    monkeypatch.setattr(serializer._serializer, "dumps",
                        lambda obj: signings.append(obj) or sign(obj))
    now = [1_900_000_000.0]
    monkeypatch.setattr(time, "time", lambda: now[0])
    first = serializer.dumps({"lang": "en"})
    assert serializer.dumps({"lang": "en"}) == first and len(signings) == 1
    now[0] += 1
    assert serializer.dumps({"lang": "en"}) != first and len(signings) == 2
    assert serializer.loads(first, max_age=None) == {"lang": "en"}
    # Values that compare equal but serialize differently are signed apart.
    assert serializer.loads(serializer.dumps({"_fresh": False})) == {"_fresh": False}
    assert serializer.loads(serializer.dumps({"_fresh": 0})) == {"_fresh": 0}
    assert serializer.loads(serializer.dumps({"n": [1, 2]})) == {"n": [1, 2]}


def test_visitors_choosing_a_language_get_a_cookie_that_keeps_it(app):
    for _ in range(3):  # each a new visitor, within the same second or not
        visitor = app.test_client()
        chosen = visitor.get("/?lang=en")
        assert "session=" in chosen.headers["Set-Cookie"]
        with visitor.session_transaction() as kept:
            assert kept["lang"] == "en"
