"""The seat counters are rows every registration shares: the UPDATEs that take seats come
last before the commit (everything else is written first), and what was prepared for a
seat that turned out taken is thrown away."""

import sqlalchemy as sa

from festa.audit.models import AuditEntry
from festa.extensions import db
from festa.outbox.models import OutboxMessage
from festa.outbox.services import rendered
from festa.registration import services
from festa.webhooks.models import Webhook
from tests.registration.conftest import assert_counters_match, mails, person


def _kinds(statements: list[str]) -> list[str]:
    """'INSERT outbox', 'UPDATE events', 'SELECT' … for each statement."""
    kinds = []
    for statement in statements:
        words = statement.replace('"', "").split()
        verb = words[0].upper()
        kinds.append(f"{verb} {({'INSERT': words[2], 'UPDATE': words[1]}.get(verb, ''))}".strip())
    return kinds


def _hook(event) -> None:
    db.session.add(Webhook(event_id=event.id, url="https://hooks.example/r", secret="s",
                           topics="registration.created"))
    db.session.commit()


def test_taking_the_seats_is_the_last_change_before_the_commit(event, workshop, count_queries):
    _hook(event)
    with count_queries() as counter:
        registration = services.register(event, **person(), session_ids=[workshop.id])
        kinds = _kinds(counter.statements)
    assert registration.status == "confirmed"
    seat = kinds.index("UPDATE events")
    assert kinds[seat:seat + 2] == ["UPDATE events", "UPDATE sessions"]
    before = kinds[:seat]
    assert {"INSERT registrations", "INSERT tickets", "INSERT outbox"} <= set(before)
    # After the seats: only what follows the commit (reading the answer, waitlist fills).
    assert all(kind == "SELECT" or kind == "UPDATE events" for kind in kinds[seat + 2:])
    assert_counters_match(event)


def test_a_seat_lost_after_preparing_rewrites_mail_webhook_and_audit(event, auth, monkeypatch):
    from festa.registration import seat_counters

    organizer = auth.login("organizer")
    _hook(event)
    for _ in range(2):
        services.register(event, **person())
    monkeypatch.setattr(seat_counters, "looks_free", lambda model, row_id: True)
    late = services.register(event, **person(), source="walk-in", by=organizer)
    assert late.status == "waitlisted" and late.ticket is None
    assert [m.topic for m in mails(registration=late)] == ["waitlisted"]
    hooks = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.kind == "webhook", OutboxMessage.registration_id == late.id)).all()
    assert len(hooks) == 1 and b'"status": "waitlisted"' in rendered(hooks[0]).payload
    audit = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "registration.create", AuditEntry.target_id == late.id)).all()
    assert [entry.details["status"] for entry in audit] == ["waitlisted"]
    assert_counters_match(event)
