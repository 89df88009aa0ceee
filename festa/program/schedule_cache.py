"""Programme documents served from the render cache (festa.core.cache).

A document is rendered once per (event, programme version, language, and whatever else
it shows) and then served from the cache until the programme changes
(festa.program.programme_version). The schedule page also shows seats left and, during
the event, "now" and "next": those are in its key too (a cheap query for the seats, the
minute for "now"). A search (`q`) is free text and never cached, nor is a page a browser
sees its own way (a higher area says so with `register_personal_check`: the ☆ bookmarks of
an attendee's browser).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa

from festa.core.cache import render_cache
from festa.extensions import db
from festa.i18n import current_language
from festa.program.models import Event, Session
from festa.program.presentation import ScheduleFilters
from festa.program.programme_version import programme_version

_personal_checks: list[Callable[[Event], bool]] = []


def register_personal_check(check: Callable[[Event], bool]) -> None:
    """`check(event)` is true when this request's browser sees the event's schedule its
    own way: its page is then rendered for it alone, never cached nor served from cache."""
    if check not in _personal_checks:
        _personal_checks.append(check)


def programme_key(event: Event) -> str:
    """What every programme document of the event depends on: the event, its programme
    version and the language. Also the feeds' ETag."""
    return f"{event.id}-{programme_version(event.id)}-{current_language()}"


def seats_signature(event: Event) -> str:
    """A digest of the seats taken in the event's reservable sessions (their badges)."""
    rows = db.session.execute(
        sa.select(Session.id, Session.seats_taken)
        .where(Session.event_id == event.id, Session.reservation_required.is_(True),
               Session.capacity.is_not(None))
        .order_by(Session.id)
    ).all()
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:16]


def schedule_body(event: Event, filters: ScheduleFilters, now: datetime | None,
                  render: Callable[[], bytes]) -> str:
    """The schedule page's body for these filters; `now` only during the event."""
    if filters.q or any(check(event) for check in _personal_checks):
        return render().decode()
    minute = now.strftime("%Y%m%dT%H%M") if now is not None else "-"
    key = ":".join(["schedule", programme_key(event), seats_signature(event), minute,
                    str(filters.day or ""), str(filters.track or ""),
                    filters.language or "", filters.kind or ""])
    return render_cache().get_or_render(key, render).decode()


def feed_body(event: Event, fmt: str, etag: str, render: Callable[[], bytes]) -> bytes:
    """A schedule feed (`fmt`: json, xml, ics) for the programme named by `etag`."""
    return render_cache().get_or_render(f"feed:{fmt}:{etag}", render)
