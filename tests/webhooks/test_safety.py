"""Issue 10, item 5: webhooks cannot reach inside.

Receiver URLs must be https to public addresses (development settings allow http and a
local receiver; conftest turns them on, these tests turn them off where they matter), in
every disguise an address can take; delivery resolves once and connects to the checked
address, follows no redirect, and logs a generic reason. The privacy notice names who
receives notifications."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from festa.core import outbound
from festa.errors import FestaError
from festa.extensions import db
from festa.outbox.models import OutboxMessage, OutboxStatus
from festa.outbox.services import deliver_due
from festa.webhooks import services as webhooks
from festa.webhooks.models import Webhook
from tests.factories import make_event
from tests.webhooks.test_webhooks import Receiver, _hook, _message

PRODUCTION = {"FESTA_DEV_WEBHOOKS_ALLOW_HTTP": False, "FESTA_DEV_WEBHOOKS_ALLOW_PRIVATE": False}

INSIDE = [
    "https://127.0.0.1/", "https://localhost/x", "https://0x7f000001/", "https://2130706433/",
    "https://0177.0.0.1/", "https://127.1/", "https://[::1]/", "https://[::ffff:127.0.0.1]/",
    "https://169.254.169.254/latest/meta-data/", "https://10.0.0.8/", "https://192.168.1.1/",
    "https://172.16.5.5/", "https://100.64.0.1/", "https://224.0.0.1/", "https://0.0.0.0/",
    "https://[fe80::1]/", "https://[fd00::1]/", "https://[ff02::1]/", "https://240.0.0.1/",
    "https://[2002:7f00:1::1]/", "https://[64:ff9b::a9fe:a9fe]/",
]


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def public_dns(monkeypatch):
    """Every host name resolves to a public address (no network needed in tests)."""
    answers: dict[str, list[str]] = {}

    def resolve(host, port):
        return answers.get(host) or ["93.184.215.14"]

    monkeypatch.setattr(outbound, "resolve", resolve)
    return answers


@pytest.mark.parametrize("url", INSIDE)
def test_inside_addresses_are_refused_in_every_disguise(url):
    with pytest.raises(outbound.UnsafeTarget) as refused:
        outbound.check_url(url, allow_http=False, allow_private=False)
    assert refused.value.code == "address_not_allowed"


def test_public_https_is_allowed_and_http_needs_the_development_setting(public_dns):
    target = outbound.check_url("https://hooks.example.com:8443/in?x=1", allow_http=False,
                                allow_private=False)
    assert (target.host, target.port, target.path) == ("hooks.example.com", 8443, "/in?x=1")
    with pytest.raises(outbound.UnsafeTarget) as refused:
        outbound.check_url("http://hooks.example.com/", allow_http=False, allow_private=False)
    assert refused.value.code == "https_required"
    outbound.check_url("http://hooks.example.com/", allow_http=True, allow_private=False)
    for url in ("ftp://hooks.example.com/", "https://user:pw@hooks.example.com/", "https:///x",
                "https://hooks.example.com:99999/"):
        with pytest.raises(outbound.UnsafeTarget):
            outbound.check_url(url, allow_http=True, allow_private=False)


def test_a_name_resolving_to_any_inside_address_is_refused(public_dns):
    public_dns["mixed.example"] = ["93.184.215.14", "10.1.2.3"]
    with pytest.raises(outbound.UnsafeTarget):
        outbound.check_url("https://mixed.example/", allow_http=False, allow_private=False)
    public_dns["한국.example".encode("idna").decode()] = ["127.0.0.1"]
    with pytest.raises(outbound.UnsafeTarget):
        outbound.check_url("https://한국.example/", allow_http=False, allow_private=False)


@pytest.mark.app_config(**PRODUCTION)
def test_creation_refuses_inside_and_plain_http_with_the_field_named(app, client, auth):
    event = make_event()
    db.session.commit()
    with pytest.raises(FestaError) as refused:
        webhooks.create_webhook(event.id, "http://169.254.169.254/", ["checkin.created"])
    assert "url" in refused.value.fields
    auth.login("organizer")
    page = f"/manage/events/{event.id}/webhooks"
    for url in ("https://0x7f000001/hook", "http://hooks.example.com/hook"):
        response = client.post(page, data={"url": url, "topics": ["checkin.created"]})
        assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Webhook.id))) == 0


@pytest.mark.app_config(FESTA_BASE_URL="https://festa.seoul.go.kr")
def test_development_settings_are_ignored_on_a_production_site(app):
    assert webhooks.url_policy() == {"allow_http": False, "allow_private": False}


@pytest.mark.app_config(**PRODUCTION)
def test_delivery_checks_again_and_logs_a_generic_reason(app, receiver):
    event = make_event()
    _hook(event, receiver.url)  # stored before the rules (or by a changed DNS answer)
    db.session.commit()
    webhooks.queue_event(event.id, "checkin.created", {"scan_id": 1})
    db.session.commit()
    assert deliver_due() == 0
    assert receiver.requests == []
    message = _message()
    assert message.status == OutboxStatus.PENDING
    assert message.last_error == "DeliveryError: refused: https_required"


@pytest.mark.app_config(FESTA_DEV_WEBHOOKS_ALLOW_PRIVATE=False)
def test_delivery_refuses_a_name_that_now_resolves_inside(app, receiver, public_dns):
    event = make_event()
    _hook(event, "http://hooks.example.com/hook")
    db.session.commit()
    public_dns["hooks.example.com"] = ["127.0.0.1"]  # rebinding after the check at creation
    webhooks.queue_event(event.id, "checkin.created", {"scan_id": 1})
    db.session.commit()
    assert deliver_due() == 0 and receiver.requests == []
    assert _message().last_error == "DeliveryError: refused: address_not_allowed"


def test_delivery_connects_to_the_address_it_checked(app, receiver, monkeypatch):
    """Resolved once; the connection goes to that address while Host names the host."""
    lookups = []
    monkeypatch.setattr(outbound, "resolve",
                        lambda host, port: lookups.append(host) or ["127.0.0.1"])
    event = make_event()
    port = receiver.server.server_port
    _hook(event, f"http://receiver.festa.test:{port}/hook")
    db.session.commit()
    webhooks.queue_event(event.id, "checkin.created", {"scan_id": 1})
    db.session.commit()
    assert deliver_due() == 1
    assert lookups == ["receiver.festa.test"]
    [request] = receiver.requests
    assert request["headers"]["Host"] == f"receiver.festa.test:{port}"


def test_redirects_are_not_followed(app, receiver):
    receiver.status = 307
    receiver.headers = {"Location": "http://169.254.169.254/latest/meta-data/"}
    event = make_event()
    _hook(event, receiver.url)
    db.session.commit()
    webhooks.queue_event(event.id, "checkin.created", {"scan_id": 1})
    db.session.commit()
    assert deliver_due() == 0
    assert len(receiver.requests) == 1
    message = _message()
    assert message.last_error == "DeliveryError: HTTP 307" and message.last_status_code == 307


def test_connection_errors_say_nothing_about_the_network(app):
    event = make_event()
    _hook(event, "http://127.0.0.1:9/closed")
    _hook(event, "http://no-such-host.invalid/x")
    db.session.commit()
    webhooks.queue_event(event.id, "checkin.created", {"scan_id": 1})
    db.session.commit()
    deliver_due()
    errors = set(db.session.scalars(sa.select(OutboxMessage.last_error)))
    assert errors == {"DeliveryError: connection failed", "DeliveryError: refused: unresolvable"}


def test_privacy_notice_names_webhook_recipients(client):
    event = make_event()
    db.session.commit()
    page = client.get(f"/events/{event.slug}/register?lang=en").get_data(as_text=True)
    assert "Who else receives it" not in page
    _hook(event, "https://crm.seoul.example/hooks/festa")
    paused = _hook(event, "https://old.example/hook")
    paused.active = False
    db.session.commit()
    page = client.get(f"/events/{event.slug}/register?lang=en").get_data(as_text=True)
    assert "Who else receives it" in page and "crm.seoul.example" in page
    assert "old.example" not in page and "/hooks/festa" not in page
