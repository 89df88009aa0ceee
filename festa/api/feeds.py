"""Schedule feeds of published events: frab JSON, frab XML and iCalendar.

The documents are built by festa.opendata (one builder per format); these views only find
the event, pick the language (`?lang=ko|en`, default Korean) and serve the document from
the render cache (rendered once per programme version and language); apps polling with
the ETag get `304 Not Modified`, without any rendering, while nothing changed.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import marshmallow as ma
from flask import Response, request
from flask_smorest import Blueprint

from festa.api import ErrorSchema
from festa.api.fields import IsoDate
from festa.opendata import calendars, feeds
from festa.program import queries, schedule_cache

blp = Blueprint("api_feeds", __name__, description="Schedule feeds (frab JSON/XML, iCalendar)")

MAX_AGE = 300


class OpenSchema(ma.Schema):
    """Documents the main keys; the C3VOC format has more (additionalProperties allowed)."""

    class Meta:
        unknown = ma.INCLUDE


class FrabConferenceSchema(OpenSchema):
    acronym = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    start = IsoDate(required=True)
    end = IsoDate(required=True)
    daysCount = ma.fields.Integer(required=True)  # the format's own name
    timeslot_duration = ma.fields.String(required=True)
    days = ma.fields.List(ma.fields.Dict(), required=True)


class FrabScheduleSchema(OpenSchema):
    version = ma.fields.String(required=True,
                               metadata={"description": "the event's schedule version"})
    base_url = ma.fields.String()
    conference = ma.fields.Nested(FrabConferenceSchema, required=True)


class FrabDocumentSchema(OpenSchema):
    schema = ma.fields.String(data_key="$schema")
    generator = ma.fields.Dict()
    schedule = ma.fields.Nested(FrabScheduleSchema, required=True)


def _lang_param(view):
    return blp.doc(parameters=[{
        "in": "query", "name": "lang", "required": False,
        "schema": {"type": "string", "enum": ["ko", "en"]},
        "description": "language of titles and abstracts (default Korean)",
    }])(view)


def feed_response(event, fmt: str, mimetype: str, filename: str,
                  render: Callable[[], bytes]) -> Response:
    """The feed from the render cache, with an ETag naming the programme version and a
    short public cache lifetime; `304 Not Modified` (nothing rendered) when unchanged."""
    etag = schedule_cache.programme_key(event)
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = Response(schedule_cache.feed_body(event, fmt, etag, render),
                            mimetype=mimetype)
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    return response


@blp.get("/events/<slug>/schedule.json")
@_lang_param
@blp.response(200, FrabDocumentSchema,
              description="C3VOC/frab schedule.json (validates against the C3VOC schema)")
@blp.alt_response(304, description="unchanged since the ETag in If-None-Match")
@blp.alt_response(404, schema=ErrorSchema, description="no published event with this slug")
def schedule_json(slug: str):
    """The published schedule in the C3VOC/frab JSON format, with the schedule version."""
    event = queries.published_event_or_404(slug)
    return feed_response(event, "json", "application/json", f"{slug}-schedule.json", lambda: (
        json.dumps(feeds.schedule_document(event), ensure_ascii=False, indent=1).encode()))


@blp.get("/events/<slug>/schedule.xml")
@_lang_param
@blp.response(200, content_type="application/xml",
              description="frab schedule.xml (validates against the C3VOC XSD)")
@blp.alt_response(304, description="unchanged since the ETag in If-None-Match")
@blp.alt_response(404, schema=ErrorSchema, description="no published event with this slug")
def schedule_xml(slug: str):
    """The published schedule as frab XML, with the schedule version."""
    event = queries.published_event_or_404(slug)
    url = queries.absolute_url(request.path)
    return feed_response(event, "xml", "application/xml", f"{slug}-schedule.xml", lambda: (
        feeds.schedule_xml(feeds.schedule_document(event), url)))


@blp.get("/events/<slug>/schedule.ics")
@_lang_param
@blp.response(200, content_type="text/calendar",
              description="iCalendar: stable UIDs, VTIMEZONE, SEQUENCE per session")
@blp.alt_response(304, description="unchanged since the ETag in If-None-Match")
@blp.alt_response(404, schema=ErrorSchema, description="no published event with this slug")
def schedule_ics(slug: str):
    """The whole schedule as iCalendar; cancelled sessions are marked STATUS:CANCELLED."""
    event = queries.published_event_or_404(slug)
    return feed_response(event, "ics", "text/calendar", f"{slug}.ics",
                         lambda: calendars.schedule_ics(event))
