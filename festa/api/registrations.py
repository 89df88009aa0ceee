"""Registrations over the API: sign up, look up and cancel (shared/CONTRACT.md).

GET and DELETE accept the registration's manage token (`Authorization: Bearer <token>`)
or an organizer (personal API token or staff login).
"""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint

from festa.api import ErrorSchema
from festa.api.auth import bearer_token, organizer_or_none, require_team
from festa.api.fields import Email, Text
from festa.core.inputs import MAX_ID, MAX_JSON_INT
from festa.core.transactions import read_in_autocommit
from festa.errors import FestaError
from festa.extensions import db, limiter
from festa.registration import queries, services
from festa.registration.models import Registration
from festa.registration.rules import event_to_register_for, registration_rate_limit

blp = Blueprint("api_registrations", __name__, description="Registrations: sign up, look up, "
                "cancel")


# What an answer can be, as the document tells clients: text, a number, yes/no, a choice
# id or a list of them. Integers stay within 64 bits (the JSON reader refuses more, 422).
_INT = {"type": "integer", "minimum": -MAX_JSON_INT, "maximum": MAX_JSON_INT}
ANSWER_VALUE = {"nullable": True, "anyOf": [
    {"type": "string"}, {"type": "boolean"}, _INT,
    {"type": "number", "minimum": -MAX_JSON_INT, "maximum": MAX_JSON_INT},
    {"type": "array", "items": {"anyOf": [_INT, {"type": "string"}]}},
]}


class RegistrationIn(ma.Schema):
    name = Text(required=True, max_length=100)
    email = Email(required=True)
    organization = Text(load_default="", max_length=200)
    locale = ma.fields.String(load_default="ko", validate=ma.validate.OneOf(["ko", "en"]))
    sessions = ma.fields.List(
        ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=MAX_ID)),
        load_default=list,
        metadata={"description": "ids of sessions that need a reservation"},
    )
    answers = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Raw(allow_none=True, metadata=ANSWER_VALUE),
        load_default=dict,
        metadata={"description": "answers keyed by question id (see GET /events/{slug}); "
                                 "a bad answer is a 422 with the field answers.<id>"},
    )
    consent = ma.fields.Boolean(
        required=True, metadata={"description": "consent to the privacy notice; must be true"}
    )


class SessionStatusOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True, metadata={"description": "confirmed|waitlisted"})
    position = ma.fields.Integer(metadata={"description": "place on the waitlist, if waiting"})


class RegistrationOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    status = ma.fields.String(
        required=True, metadata={"description": "confirmed|waitlisted|cancelled"}
    )
    position = ma.fields.Integer(metadata={"description": "place on the event's waitlist"})
    sessions = ma.fields.List(ma.fields.Nested(SessionStatusOut), required=True)


class TicketOut(ma.Schema):
    code = ma.fields.String(required=True)
    url = ma.fields.String(required=True)
    qr_png = ma.fields.String(required=True)
    qr_svg = ma.fields.String(required=True)


class RegistrationBody(ma.Schema):
    registration = ma.fields.Nested(RegistrationOut, required=True)
    ticket = ma.fields.Nested(
        TicketOut, allow_none=True, required=True,
        metadata={"description": "null while waitlisted or cancelled"},
    )
    manage_url = ma.fields.String(required=True)
    manage_token = ma.fields.String(required=True)


@blp.post("/events/<slug>/registrations")
@limiter.limit(registration_rate_limit)
@blp.arguments(RegistrationIn())  # one instance: webargs makes one per request from a class
@blp.response(201, RegistrationBody)
@blp.alt_response(409, schema=ErrorSchema, description="already_registered or "
                  "registration_closed")
@blp.alt_response(422, schema=ErrorSchema, description="validation_error with fields")
@blp.alt_response(429, schema=ErrorSchema, description="rate_limited")
def create_registration(data: dict, slug: str):
    """Register for an event: confirmed with a ticket, or waitlisted (ticket null)."""
    read_in_autocommit()  # the registration is written by one statement of its own
    event, questions, ticket_id = event_to_register_for(slug)
    registered = services.register_placed(
        event, data["name"], data["email"], data["organization"], data["locale"],
        data["sessions"], data["consent"], source="api", answers=data["answers"],
        questions=questions, ticket_id=ticket_id,
    )
    return queries.api_body(*registered)


def _authorised_registration(registration_id: int) -> tuple[Registration, object]:
    """(registration, organizer or None): the manage token must be this registration's."""
    token_error = None
    if bearer_token():
        try:
            registration = services.registration_for_manage_token(bearer_token())
        except FestaError as error:
            token_error = error
        else:
            if registration.id != registration_id:
                raise FestaError("forbidden", "This token belongs to another registration.",
                                 status=403)
            return registration, None
    organizer = organizer_or_none()
    if organizer is None:
        if token_error is not None:
            raise token_error
        raise FestaError("unauthorized", "Send the registration's manage token or an "
                         "organizer's token as 'Authorization: Bearer <token>'.", status=401)
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        raise FestaError("not_found", "No such registration.", status=404)
    require_team(organizer, registration.event_id, "registration")
    return registration, organizer


@blp.get("/registrations/<int:registration_id>")
@blp.doc(security=[{"bearer": []}])
@blp.response(200, RegistrationBody)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
def get_registration(registration_id: int):
    """The registration with current statuses and waitlist positions."""
    registration, _organizer = _authorised_registration(registration_id)
    return queries.api_body(registration)


@blp.delete("/registrations/<int:registration_id>")
@blp.doc(security=[{"bearer": []}])
@blp.response(200, RegistrationBody)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema, description="event_over")
def delete_registration(registration_id: int):
    """Cancel: the ticket is revoked and freed seats go to the waitlist at once."""
    registration, organizer = _authorised_registration(registration_id)
    services.cancel_registration(registration, by=organizer)
    return queries.api_body(registration)
