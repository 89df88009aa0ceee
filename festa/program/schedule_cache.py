"""Programme documents served from the render cache (festa.core.cache).

A document is rendered once per (event, programme version, language, and whatever else
it shows) and then served from the cache until the programme changes
(festa.program.programme_version). The schedule page also shows seats left and, during
the event, "now" and "next": those are in its key too (the seats taken, read in the same
query as the event and its version; the minute for "now"). A search (`q`) is free text
and never cached, nor is a page a browser sees its own way (a higher area says so with
`register_personal_check`: the ☆ bookmarks of an attendee's browser).

Documents sent whole — the feeds, and the schedule page of a visitor whose frame shows
nothing of their own — are kept with their gzip and brotli variants
(festa.core.cache.Document), so a cached request costs no rendering and no compression.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask import Response, abort, request

from festa.core.cache import ENCODINGS, accepted_encoding, render_cache, send_document
from festa.core.transactions import AUTOCOMMIT
from festa.extensions import db
from festa.i18n import current_language
from festa.program.models import Event, Session
from festa.program.presentation import ScheduleFilters
from festa.program.programme_listener import ProgrammeListener, listener_for
from festa.program.programme_version import version_column

_personal_checks: list[Callable[[int], bool]] = []


def register_personal_check(check: Callable[[int], bool]) -> None:
    """`check(event_id)` is true when this request's browser sees the event's schedule its
    own way: its page is then rendered for it alone, never cached nor served from cache."""
    if check not in _personal_checks:
        _personal_checks.append(check)


def _seats_taken(event_id) -> sa.ScalarSelect:
    """The seats taken in the event's reservable sessions (their badges), as text: only
    those with seats taken, which tells the others (none taken) apart as well."""
    taken = (sa.select(Session.id, Session.seats_taken)
             .where(Session.event_id == event_id, Session.reservation_required.is_(True),
                    Session.capacity.is_not(None), Session.seats_taken > 0)
             .order_by(Session.id).subquery())
    pair = sa.cast(taken.c.id, sa.String) + ":" + sa.cast(taken.c.seats_taken, sa.String)
    return sa.select(sa.func.aggregate_strings(pair, ",")).scalar_subquery()


@dataclass(frozen=True)
class Programme:
    """A published event's programme as its documents are keyed."""

    event_id: int
    version: int
    language: str
    seats: str = ""  # a digest of the seats taken (the schedule page only)

    @property
    def key(self) -> str:
        """The event, its programme version and the language: every programme document
        depends on them. Also the feeds' ETag."""
        return f"{self.event_id}-{self.version}-{self.language}"


@dataclass(frozen=True)
class ScheduleHead:
    """What the schedule page reads before it asks the cache: the event's days and zone
    (festa.program.queries.EventDates) and its programme."""

    event_id: int
    timezone: str
    start_date: date
    end_date: date
    programme: Programme


# Built once: building a statement costs more than running it from the compiled cache.
_published = (Event.slug == sa.bindparam("slug"), Event.published.is_(True))
_PROGRAMME = sa.select(Event.id, version_column(Event.id)).where(*_published)
_SCHEDULE = sa.select(Event.id, Event.timezone, Event.start_date, Event.end_date,
                      version_column(Event.id), _seats_taken(Event.id)).where(*_published)


def _read_one(statement: sa.Select, slug: str) -> sa.Row | None:
    """The statement's row for a published event's slug (None when none), on a connection
    of its own in autocommit: one statement is a consistent read, and without the
    session's transaction there is no BEGIN before it nor ROLLBACK after."""
    with db.engine.connect().execution_options(**AUTOCOMMIT) as connection:
        return connection.execute(statement, {"slug": slug}).first()


def _schedule_row(slug: str, listener: ProgrammeListener) -> tuple:
    """The schedule row as this process keeps it while it listens (404 when none)."""
    row = listener.row(slug, lambda: _read_one(_SCHEDULE, slug))
    if row is None:
        abort(404)
    return row


def published_programme(slug: str) -> Programme:
    """A published event's programme version (404 when none): what a feed needs to
    answer from the cache, or with 304, without loading the event. Kept by the process
    while it listens for programme changes (festa.program.programme_listener), else one
    query."""
    listener = listener_for(db.engine)
    if listener is not None and listener.listening:
        event_id, _, _, _, version, _ = _schedule_row(slug, listener)
    else:
        row = _read_one(_PROGRAMME, slug)
        if row is None:
            abort(404)
        event_id, version = row
    return Programme(event_id, version or 0, current_language())


def published_schedule(slug: str) -> ScheduleHead:
    """A published event's days, zone, programme version and seats taken (404 when
    none): what the schedule page needs to answer from the cache. Kept by the process
    while it listens for programme changes, else one query."""
    listener = listener_for(db.engine)
    if listener is not None:
        row = _schedule_row(slug, listener)
    else:
        row = _read_one(_SCHEDULE, slug)
        if row is None:
            abort(404)
    event_id, timezone, start_date, end_date, version, seats = row
    digest = hashlib.sha256((seats or "").encode()).hexdigest()[:16]
    return ScheduleHead(event_id, timezone, start_date, end_date,
                        Programme(event_id, version or 0, current_language(), digest))


def schedule_page(programme: Programme, filters: ScheduleFilters, now: datetime | None,
                  render_body: Callable[[], bytes], frame: Callable[[str, bool], str],
                  shared_frame: bool) -> Response:
    """The schedule page for these filters (`now` only during the event): its body from
    the cache unless personal; whole from the cache, compressed, when the frame around it
    (`frame(body, shared)`) shows nothing of this visitor's either (`shared_frame`)."""
    if filters.q or any(check(programme.event_id) for check in _personal_checks):
        return Response(frame(render_body().decode(), False), mimetype="text/html")
    minute = now.strftime("%Y%m%dT%H%M") if now is not None else "-"
    key = ":".join(["schedule", programme.key, programme.seats, minute,
                    str(filters.day or ""), str(filters.track or ""),
                    filters.language or "", filters.kind or ""])
    cache = render_cache()

    def body() -> str:
        return cache.get_or_render(key, render_body).decode()

    if not shared_frame:
        return Response(frame(body(), False), mimetype="text/html")
    # The body is the rendering (counted once); the page is the shared frame around it.
    page = cache.document("page:" + key, lambda: frame(body(), True).encode(), count=False)
    return send_document(page, "text/html", accepted_encoding())


def feed_response(programme: Programme, fmt: str, mimetype: str,
                  render: Callable[[], bytes]) -> Response:
    """A schedule feed (`fmt`: json, xml, ics) of this programme version, in the encoding
    the client accepts; its ETag is the programme key, suffixed `:br` or `:gzip` for a
    compressed variant (as Flask-Compress names them). `304 Not Modified` for any of the
    version's ETags, before anything is rendered."""
    encoding = accepted_encoding()
    etags = [programme.key, *(f"{programme.key}:{e}" for e in ENCODINGS)]
    etag = f"{programme.key}:{encoding}" if encoding else programme.key
    if_none_match = request.if_none_match
    matched = [tag for tag in etags if if_none_match.contains(tag)]
    if matched:
        response = Response(status=304)
        response.vary.add("Accept-Encoding")
        response.set_etag(etag if etag in matched else matched[0])
        return response
    document = render_cache().document(f"feed:{fmt}:{programme.key}", render)
    response = send_document(document, mimetype, encoding)
    response.set_etag(etag)
    return response

