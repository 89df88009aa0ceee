"""Who is inside where: the atomic row changes a scan on SQLite (festa.checkin.recording,
whose PostgreSQL function runs the same ones) and an undo are built from.

Each helper is one conditional statement whose row count says whether this transaction
won; nothing here reads a value and writes it back later (that would race).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from festa.checkin.models import Checkpoint, Presence
from festa.extensions import db


def _execute(statement) -> sa.CursorResult:
    return db.session.execute(statement.execution_options(synchronize_session=False))


def _insert_if_absent(values: dict) -> int:
    """INSERT … ON CONFLICT DO NOTHING on the presence primary key; rows inserted (0/1)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Presence.__table__).values(**values).on_conflict_do_nothing(
        index_elements=["ticket_id", "checkpoint_id"]).returning(Presence.ticket_id)
    return len(db.session.execute(statement).all())


def claim_presence(ticket_id: int, checkpoint_id: int, at: datetime, scan_id: int
                   ) -> bool | None:
    """Mark the holder inside. True: first entry here (row created); False: re-entry
    (they had left); None: they are inside already, or another gate just let them in.

    The INSERT comes first because most scans at a door are first entries: one statement.
    """
    inserted = _insert_if_absent({
        "ticket_id": ticket_id, "checkpoint_id": checkpoint_id, "inside": True,
        "first_entry_at": at, "last_change_at": at, "last_scan_id": scan_id,
    })
    if inserted:
        return True
    changed = _execute(
        sa.update(Presence)
        .where(Presence.ticket_id == ticket_id, Presence.checkpoint_id == checkpoint_id,
               Presence.inside.is_(False))
        .values(inside=True, last_change_at=at, last_scan_id=scan_id)
    ).rowcount
    return False if changed else None


def release_presence(ticket_id: int, checkpoint_id: int, created: bool) -> None:
    """Take back a claim made in this transaction (the room turned out to be full)."""
    where = (Presence.ticket_id == ticket_id, Presence.checkpoint_id == checkpoint_id)
    if created:
        _execute(sa.delete(Presence).where(*where))
    else:
        _execute(sa.update(Presence).where(*where).values(inside=False))


def leave_other_rooms(ticket_id: int, checkpoint: Checkpoint, at: datetime, scan_id: int
                      ) -> list[int]:
    """Entering a room leaves the room the holder was in (never the entrance). Returns the
    checkpoints left, whose counts the caller lowers."""
    rooms = sa.select(Checkpoint.id).where(
        Checkpoint.event_id == checkpoint.event_id, Checkpoint.is_entrance.is_(False),
        Checkpoint.id != checkpoint.id,
    )
    result = _execute(
        sa.update(Presence)
        .where(Presence.ticket_id == ticket_id, Presence.inside.is_(True),
               Presence.checkpoint_id.in_(rooms.scalar_subquery()))
        .values(inside=False, last_change_at=at, last_scan_id=scan_id)
        .returning(Presence.checkpoint_id)
    )
    return sorted(result.scalars().all())


def restore_rooms(ticket_id: int, checkpoint_ids: list[int]) -> None:
    """Undo `leave_other_rooms` in this transaction (counts were not changed yet)."""
    if checkpoint_ids:
        _execute(sa.update(Presence).where(
            Presence.ticket_id == ticket_id, Presence.checkpoint_id.in_(checkpoint_ids)
        ).values(inside=True))


def _bump(checkpoint_id: int, delta: int) -> int | None:
    """Move one counter by `delta` if allowed (room not full, never below zero); the new
    count, or None when nothing changed."""
    if delta > 0:
        condition = sa.or_(Checkpoint.capacity.is_(None),
                           Checkpoint.inside_count < Checkpoint.capacity)
    else:
        condition = Checkpoint.inside_count > 0
    return _execute(
        sa.update(Checkpoint).where(Checkpoint.id == checkpoint_id, condition)
        .values(inside_count=Checkpoint.inside_count + delta)
        .returning(Checkpoint.inside_count)
    ).scalar()


def adjust_counts(entered: int | None, left: list[int]) -> dict[int, int] | None:
    """+1 inside `entered` (unless it is full), -1 inside each of `left`, in checkpoint-id
    order so concurrent moves between rooms lock rows in the same order. Returns the new
    counts by checkpoint id (a count already at zero is left out); None (and no change)
    when `entered` is full.

    These rows are the hot ones (every scan at a door changes the same row, which then stays
    locked until the commit): callers do everything else first and this last."""
    counts: dict[int, int] = {}
    for checkpoint_id in sorted({*left, *([entered] if entered is not None else [])}):
        if checkpoint_id == entered:
            count = _bump(checkpoint_id, +1)
            if count is None:
                for earlier in counts:
                    _bump(earlier, +1)
                return None
            counts[checkpoint_id] = count
        elif (count := _bump(checkpoint_id, -1)) is not None:
            counts[checkpoint_id] = count
    return counts


def inside_now(checkpoint_id: int) -> int:
    """The count as the database has it now (after this transaction's own changes)."""
    return db.session.scalar(
        sa.select(Checkpoint.inside_count).where(Checkpoint.id == checkpoint_id))
