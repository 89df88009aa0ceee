"""Schedule feeds of published events: frab JSON, frab XML and iCalendar.

The documents are built by festa.opendata (one builder per format); these views only find
the event, pick the language (`?lang=ko|en`, default Korean) and serve the document from
the render cache (rendered once per programme version and language, compressed with it:
gzip and brotli for clients that accept them); apps polling with the ETag get
`304 Not Modified`, without any rendering, while nothing changed.
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
from festa.program.models import Event

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


def feed_response(slug: str, fmt: str, mimetype: str, filename: str,
                  render: Callable[[Event], bytes]) -> Response:
    """The feed from the render cache, with an ETag naming the programme version and a
    short public cache lifetime; `304 Not Modified` (nothing rendered) when unchanged. The
    event itself is loaded only to render."""
    programme = schedule_cache.published_programme(slug)
    response = schedule_cache.feed_response(
        programme, fmt, mimetype, lambda: render(queries.published_event_or_404(slug)))
    if response.status_code == 200:
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
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
    return feed_response(slug, "json", "application/json", f"{slug}-schedule.json", lambda event: (
        json.dumps(feeds.schedule_document(event), ensure_ascii=False, indent=1).encode()))


@blp.get("/events/<slug>/schedule.xml")
@_lang_param
@blp.response(200, content_type="application/xml",
              description="frab schedule.xml (validates against the C3VOC XSD)")
@blp.alt_response(304, description="unchanged since the ETag in If-None-Match")
@blp.alt_response(404, schema=ErrorSchema, description="no published event with this slug")
def schedule_xml(slug: str):
    """The published schedule as frab XML, with the schedule version."""
    url = queries.absolute_url(request.path)
    return feed_response(slug, "xml", "application/xml", f"{slug}-schedule.xml", lambda event: (
        feeds.schedule_xml(feeds.schedule_document(event), url)))


@blp.get("/events/<slug>/schedule.ics")
@_lang_param
@blp.response(200, content_type="text/calendar",
              description="iCalendar: stable UIDs, VTIMEZONE, SEQUENCE per session")
@blp.alt_response(304, description="unchanged since the ETag in If-None-Match")
@blp.alt_response(404, schema=ErrorSchema, description="no published event with this slug")
def schedule_ics(slug: str):
    """The whole schedule as iCalendar; cancelled sessions are marked STATUS:CANCELLED."""
    return feed_response(slug, "ics", "text/calendar", f"{slug}.ics", calendars.schedule_ics)
