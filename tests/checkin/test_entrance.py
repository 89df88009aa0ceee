"""Every event has its entrance checkpoint from the moment it exists: made with the event
(the manage form, the demo) and, for events from before, by a migration. No page makes it
("GET never writes"): the check-in pages of a new event only read."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask_migrate import stamp, upgrade

from festa.checkin.models import Admits, Checkpoint
from festa.extensions import db
from festa.program.demo import load_demo
from festa.program.models import Event
from tests.manage.conftest import event_form


def entrances(event_id: int) -> list[Checkpoint]:
    return list(db.session.scalars(sa.select(Checkpoint).where(
        Checkpoint.event_id == event_id, Checkpoint.is_entrance.is_(True))))


def test_an_event_made_on_the_manage_form_has_its_entrance(client, auth, count_queries):
    auth.login("organizer")
    response = client.post("/manage/events/new", data=event_form())
    assert response.status_code == 302
    event = db.session.scalar(sa.select(Event).where(Event.slug == "ai-seoul-2026"))
    (entrance,) = entrances(event.id)
    assert entrance.admits == Admits.ANY_TICKET and entrance.active
    with count_queries() as counter:
        for url in (f"/manage/events/{event.id}/checkin",
                    f"/manage/events/{event.id}/checkpoints", "/door/checkpoints"):
            assert client.get(url).status_code == 200
    assert not [s for s in counter.statements if s.lstrip().upper().startswith("INSERT")]


def test_demo_events_have_their_entrance(app):
    load_demo(now=datetime(2026, 12, 1, tzinfo=UTC))
    events = db.session.scalars(sa.select(Event)).all()
    assert len(events) == 2
    assert all(len(entrances(event.id)) == 1 for event in events)


def test_the_migration_gives_older_events_their_entrance(app):
    older = Event(slug="older", name_ko="예전 행사", name_en="Older event",
                  start_date=date(2026, 5, 1), end_date=date(2026, 5, 1), published=True)
    db.session.add(older)  # made without its entrance, as events were before
    db.session.commit()
    stamp(revision="c3d9a6e1f5b2")  # the schema just before the migration
    upgrade(revision="e3c8a9d1f0b6")  # this migration only (later ones changed nothing here)
    stamp(revision="head")
    (entrance,) = entrances(older.id)
    assert entrance.name == "Entrance" and entrance.admits == Admits.ANY_TICKET
    assert entrance.created_at.tzinfo is not None
