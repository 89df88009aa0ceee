"""What `flask --app festa festa device create` does, testable without click."""

from __future__ import annotations

import click
import sqlalchemy as sa

from festa.checkin.devices import create_device, entrance_checkpoint
from festa.checkin.models import Checkpoint
from festa.core.transactions import transactional
from festa.extensions import db
from festa.program.models import Event


@transactional
def create_device_token(slug: str, checkpoint_id: int | None, name: str) -> str:
    """A new device token for the event's checkpoint (default its entrance)."""
    event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
    if event is None:
        raise click.ClickException(f"No event with slug {slug!r}.")
    if checkpoint_id is None:
        checkpoint = entrance_checkpoint(event)
    else:
        checkpoint = db.session.get(Checkpoint, checkpoint_id)
        if checkpoint is None or checkpoint.event_id != event.id:
            raise click.ClickException(f"Checkpoint {checkpoint_id} is not part of {slug}.")
    _device, token = create_device(checkpoint, name=name or "CLI")
    return token
