"""Read-only programme endpoints: published events and their sessions."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint

from festa.api.pagination import PAGE_HEADERS, page_of, paginated
from festa.program import queries

blp = Blueprint("api_events", __name__, description="Published events and sessions")


class EventSchema(ma.Schema):
    slug = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    name_ko = ma.fields.String(required=True)
    name_en = ma.fields.String(required=True)
    start = ma.fields.String(required=True, metadata={"description": "ISO 8601 with offset"})
    end = ma.fields.String(required=True)
    timezone = ma.fields.String(required=True)
    registration_open = ma.fields.Boolean(required=True)
    url = ma.fields.String(required=True)


class SpeakerRefSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    role = ma.fields.String(required=True)


class SessionSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    title_ko = ma.fields.String(required=True)
    title_en = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    language = ma.fields.String(required=True)
    start = ma.fields.String(required=True)
    end = ma.fields.String(required=True)
    room = ma.fields.Dict(allow_none=True, required=True)
    track = ma.fields.Dict(allow_none=True, required=True)
    speakers = ma.fields.List(ma.fields.Nested(SpeakerRefSchema), required=True)
    capacity = ma.fields.Integer(allow_none=True, required=True)
    seats_left = ma.fields.Integer(allow_none=True, required=True)
    reservation_required = ma.fields.Boolean(required=True)
    cancelled = ma.fields.Boolean(required=True)
    url = ma.fields.String(required=True)


@blp.get("/events")
@paginated(blp)
@blp.response(200, EventSchema(many=True), headers=PAGE_HEADERS)
def list_events(page: int | None, per_page: int | None):
    """Published events, upcoming and past."""
    events, headers = page_of(queries.published_events(), page, per_page)
    return [queries.event_summary(event) for event in events], headers


@blp.get("/events/<slug>/sessions")
@paginated(blp)
@blp.response(200, SessionSchema(many=True), headers=PAGE_HEADERS)
def list_sessions(slug: str, page: int | None, per_page: int | None):
    """The published sessions of an event with speakers, room, track, capacity and seats left."""
    event = queries.published_event_or_404(slug)
    sessions, headers = page_of(queries.schedule_sessions(event), page, per_page)
    return [queries.session_summary(s) for s in sessions], headers
