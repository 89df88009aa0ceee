"""Programme endpoints: published events and their sessions; organizers move sessions."""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask import abort, g, jsonify, request
from flask_smorest import Blueprint

from festa.api import ErrorSchema
from festa.api.auth import organizer_first, organizer_or_none, require_team
from festa.api.fields import IsoDateTime, RoomRefSchema, TrackRefSchema
from festa.api.pagination import PAGE_HEADERS, page_of, paginated
from festa.core.inputs import MAX_ID
from festa.errors import error_body
from festa.extensions import db
from festa.program import queries
from festa.program.models import Event, Session
from festa.program.moves import StaleVersion, move_session
from festa.registration.questions.queries import api_questions

blp = Blueprint("api_events", __name__, description="Published events and sessions")


class OrganizerSchema(ma.Schema):
    name = ma.fields.String(required=True, metadata={"description": "in the request's language"})
    url = ma.fields.String(allow_none=True, required=True, metadata={"format": "uri"})


class EventSchema(ma.Schema):
    slug = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    name_ko = ma.fields.String(required=True)
    name_en = ma.fields.String(required=True)
    start = IsoDateTime(required=True, metadata={"description": "ISO 8601 with offset"})
    end = IsoDateTime(required=True)
    timezone = ma.fields.String(required=True)
    registration_open = ma.fields.Boolean(required=True)
    url = ma.fields.String(required=True)
    organizer = ma.fields.Nested(OrganizerSchema, allow_none=True, required=True, metadata={
        "description": "who organizes the event; null when it does not say"})
    country = ma.fields.String(allow_none=True, required=True, metadata={
        "description": "ISO 3166 alpha-2 code of the event's country", "example": "KR"})
    currency = ma.fields.String(allow_none=True, required=True, metadata={
        "description": "ISO 4217 code of the event's prices", "example": "KRW"})


class ChoiceSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    label = ma.fields.String(required=True)
    left = ma.fields.Integer(metadata={"description": "places left, when the choice has a "
                                                      "limit"})


class QuestionSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True, metadata={
        "description": "short_text|long_text|one_choice|several_choices|yes_no|number|country"})
    label = ma.fields.String(required=True)
    help = ma.fields.String(required=True)
    required = ma.fields.Boolean(required=True)
    session_id = ma.fields.Integer(allow_none=True, required=True, metadata={
        "description": "asked only of those who reserve this session; null: of everyone"})
    choices = ma.fields.List(ma.fields.Nested(ChoiceSchema))


class EventDetailSchema(EventSchema):
    questions = ma.fields.List(ma.fields.Nested(QuestionSchema), required=True, metadata={
        "description": "registration questions; answer them in the registration's `answers` "
                       "keyed by question id: text, number, true/false, a country code "
                       "(ISO 3166), a choice id or a list of choice ids"})


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
    language = ma.fields.String(required=True, metadata={
        "description": "ISO 639 code of the session's (first) language", "example": "ko"})
    languages = ma.fields.List(ma.fields.String(), required=True, metadata={
        "description": "every language of the session, ISO 639 codes (a bilingual Korean "
                       "and English session: [\"ko\", \"en\"])"})
    start = IsoDateTime(required=True)
    end = IsoDateTime(required=True)
    room = ma.fields.Nested(RoomRefSchema, allow_none=True, required=True)
    track = ma.fields.Nested(TrackRefSchema, allow_none=True, required=True)
    speakers = ma.fields.List(ma.fields.Nested(SpeakerRefSchema), required=True)
    capacity = ma.fields.Integer(allow_none=True, required=True)
    seats_left = ma.fields.Integer(allow_none=True, required=True)
    reservation_required = ma.fields.Boolean(required=True)
    cancelled = ma.fields.Boolean(required=True)
    version = ma.fields.Integer(required=True, metadata={
        "description": "changes with every edit; send it back when moving the session"})
    url = ma.fields.String(required=True)


class WarningSchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={
        "description": "room_double_booked, speaker_double_booked, outside_event_dates, "
                       "outside_room_hours or overlaps_break"})
    message = ma.fields.String(required=True)


class MovedSessionSchema(SessionSchema):
    start = IsoDateTime(allow_none=True, required=True,
                        metadata={"description": "null: not scheduled"})
    end = IsoDateTime(allow_none=True, required=True)
    warnings = ma.fields.List(ma.fields.Nested(WarningSchema), required=True)


class SessionMoveIn(ma.Schema):
    start = ma.fields.AwareDateTime(allow_none=True, metadata={
        "description": "ISO 8601 with offset; start and end null: back to unscheduled"})
    end = ma.fields.AwareDateTime(allow_none=True)
    # Bounded to the ids and versions the database can hold: a larger number is refused
    # as the document says (422), not by the JSON reader after the document allowed it.
    room_id = ma.fields.Integer(allow_none=True, strict=True,
                                validate=ma.validate.Range(min=1, max=MAX_ID))
    version = ma.fields.Integer(required=True, strict=True,
                                validate=ma.validate.Range(min=0, max=MAX_ID), metadata={
        "description": "the session's version as last read; a stale one is refused (409)"})


@blp.get("/events")
@paginated(blp)
@blp.response(200, EventSchema(many=True), headers=PAGE_HEADERS)
def list_events(page: int | None, per_page: int | None):
    """Published events, upcoming and past."""
    events, headers = page_of(queries.published_events(), page, per_page)
    return [queries.event_summary(event) for event in events], headers


@blp.get("/events/<slug>")
@blp.response(200, EventDetailSchema)
def get_event(slug: str):
    """One published event, with its registration questions (labels in the request's
    language)."""
    event = queries.published_event_or_404(slug)
    return queries.event_summary(event) | {"questions": api_questions(event.id)}


@blp.get("/events/<slug>/sessions")
@paginated(blp)
@blp.response(200, SessionSchema(many=True), headers=PAGE_HEADERS)
def list_sessions(slug: str, page: int | None, per_page: int | None):
    """The published sessions of an event with speakers, room, track, capacity and seats left."""
    event = _event_for_reader(slug)
    sessions, headers = page_of(queries.schedule_sessions(event), page, per_page)
    return [queries.session_summary(s) for s in sessions], headers


def _event_for_reader(slug: str) -> Event:
    """The event if published; an organizer of the event also reads it before it is."""
    event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
    if event is None:
        abort(404)
    if not event.published:
        organizer = organizer_or_none()
        if organizer is None or not organizer.is_on_team(event.id):
            abort(404)
    return event


def _version_header() -> int | None:
    """`If-Match: "7"` (the ETag of the session): the version as a precondition."""
    value = request.headers.get("If-Match", "").strip().removeprefix("W/").strip('"')
    return int(value) if value.isdigit() else None


@blp.patch("/events/<slug>/sessions/<int:session_id>")
@organizer_first
@blp.arguments(SessionMoveIn())
@blp.response(200, MovedSessionSchema)
@blp.alt_response(409, schema=ErrorSchema, description="stale_version: someone changed the "
                  "session since `version`; the body's `session` is how it is now")
@blp.alt_response(412, schema=ErrorSchema, description="stale_version, when `If-Match` "
                  "carried the version")
@blp.alt_response(422, schema=ErrorSchema, description="validation_error with fields, or a "
                  "hard rule (room_too_small, session_has_reservations) with the reason")
@blp.doc(security=[{"bearer": []}])
def move(data: dict, slug: str, session_id: int):
    """Move a session (organizer of the event): new start, end or room, or back to
    unscheduled. Conflicts that do not refuse the move come back as `warnings`."""
    user = g.api_organizer
    event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
    session = db.session.get(Session, session_id)
    if event is None or session is None or session.event_id != event.id:
        abort(404)
    require_team(user, event.id)
    values = {name: data[key] for key, name in
              (("start", "starts_at"), ("end", "ends_at"), ("room_id", "room_id")) if key in data}
    precondition = _version_header()
    try:
        moved = move_session(session, values, by=user.id,
                             version=data["version"] if precondition is None else precondition,
                             stale_status=409 if precondition is None else 412)
    except StaleVersion as stale:
        # Returned as a Response: the 200 schema must not reshape the error body.
        response = jsonify({**error_body(stale.code, stale.message),
                            "session": queries.session_summary(stale.current)})
        response.status_code = stale.status
        response.headers["ETag"] = f'"{stale.current.version}"'
        return response
    body = queries.session_summary(moved.session)
    body["warnings"] = [{"code": c.code, "message": c.message} for c in moved.warnings]
    return body, 200, {"ETag": f'"{moved.session.version}"'}
