"""Scanning at the door (device tokens) and the organizers' live numbers.

A device token belongs to one checkpoint: it can read that checkpoint, its offline bundle
and search its event's attendees, scan there and undo its own mistakes. Nothing else.
Door staff logged in to the site may use any checkpoint of the events whose team they are
on (with the page's CSRF token).
"""

from __future__ import annotations

import marshmallow as ma
from flask import current_app, request
from flask_login import current_user
from flask_smorest import Blueprint
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms.validators import ValidationError

from festa.api.auth import bearer_token, require_organizer, require_team
from festa.api.fields import AwareDateTime, IsoDateTime, RoomRefSchema, SessionRefSchema, Text
from festa.audit.services import record
from festa.auth.models import User
from festa.auth.services import hash_token, user_for_api_token
from festa.checkin import bundle as bundles
from festa.checkin import queries
from festa.checkin.devices import DoorCheckpoint, DoorDevice, door_checkpoint
from festa.checkin.models import Checkpoint, ScanResult
from festa.checkin.services import (
    decide_scan,
    device_for_token,
    scan_for_undo,
    ticket_code,
    undo_scan,
)
from festa.errors import FestaError
from festa.extensions import db, limiter
from festa.observability import metrics
from festa.program.models import Event

blp = Blueprint("api_checkin", __name__, description="Check-in at the door and live numbers")

RESULTS = tuple(result.value for result in ScanResult)


class ScanRequestSchema(ma.Schema):
    code = ma.fields.String(validate=ma.validate.Length(min=1, max=2000),
                            metadata={"description": "the ticket code or the ticket page URL"})
    ticket_id = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=2**31 - 1),
                                  metadata={"description": "in place of `code`: a person "
                                                           "found by search"})
    direction = ma.fields.String(load_default="entry",
                                 validate=ma.validate.OneOf(["entry", "exit"]))
    scanned_at = AwareDateTime(load_default=None, allow_none=True,
                               metadata={"description": "when an offline scan happened "
                                                        "(ISO 8601)"})
    client_scan_id = Text(load_default=None, allow_none=True, max_length=100)
    mode = ma.fields.String(load_default=None, allow_none=True,
                            validate=ma.validate.OneOf(["online", "offline"]),
                            metadata={"description": "how the scanner decided; default "
                                                     "offline when scanned_at is given"})


class AttendeeSchema(ma.Schema):
    name = ma.fields.String(required=True)


class PreviousSchema(ma.Schema):
    at = IsoDateTime(required=True, metadata={"description": "ISO 8601 with offset"})
    checkpoint = ma.fields.String(required=True)


class ScanResponseSchema(ma.Schema):
    result = ma.fields.String(required=True, validate=ma.validate.OneOf(RESULTS))
    scan_id = ma.fields.Integer()
    attendee = ma.fields.Nested(AttendeeSchema)
    previous = ma.fields.Nested(PreviousSchema)
    inside = ma.fields.Integer(metadata={"description": "people inside this checkpoint now"})
    badge = ma.fields.String(metadata={"description": "at a checkpoint that prints badges "
                                                     "(ok, already_checked_in): the API path "
                                                     "of the attendee's badge PDF"})


class UndoResponseSchema(ma.Schema):
    result = ma.fields.String(required=True)
    scan_id = ma.fields.Integer(required=True)
    undone_scan_id = ma.fields.Integer(required=True)
    inside = ma.fields.Integer(required=True)


class EventRefSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    slug = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    timezone = ma.fields.String(required=True)
    ends_at = IsoDateTime(metadata={"description": "the event's last instant (ISO 8601); "
                                                        "scanners forget their data after it"})


class CheckpointSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    is_entrance = ma.fields.Boolean(required=True)
    admits = ma.fields.String(required=True, validate=ma.validate.OneOf(["event", "reservation"]))
    counts_exits = ma.fields.Boolean(required=True)
    capacity = ma.fields.Integer(allow_none=True, required=True)
    inside = ma.fields.Integer(required=True)
    active = ma.fields.Boolean(required=True)
    print_badges = ma.fields.Boolean(required=True)
    session = ma.fields.Nested(SessionRefSchema, allow_none=True, required=True)
    room = ma.fields.Nested(RoomRefSchema, allow_none=True, required=True)
    event = ma.fields.Nested(EventRefSchema, required=True)


class OfflineBundleSchema(ma.Schema):
    checkpoint = ma.fields.Nested(CheckpointSchema, required=True)
    event_id = ma.fields.Integer(required=True)
    generated_at = IsoDateTime(required=True)
    public_keys = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(),
                                 required=True, metadata={"description": "key id → base64url "
                                                                         "Ed25519 public key"})
    revoked_codes = ma.fields.List(ma.fields.String(), required=True)
    revoked_ticket_ids = ma.fields.List(ma.fields.Integer(), required=True)
    allowed_ticket_ids = ma.fields.List(ma.fields.Integer(), required=True)
    names = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), required=True,
                           metadata={"description": "ticket id → name to display"})
    present_ticket_ids = ma.fields.List(ma.fields.Integer(), required=True)
    rules = ma.fields.Dict(required=True)


class BundleArgsSchema(ma.Schema):
    since = Text(load_default=None, max_length=100,
                 metadata={"description": "the `version` of the bundle the scanner holds"})


def _gaps(what: str, required: bool = True) -> ma.fields.List:
    return ma.fields.List(ma.fields.Integer(), required=required, metadata={
        "description": f"{what}: ticket ids, sorted, as gaps (first id, then differences)"})


class ScannerBundleSchema(ma.Schema):
    version = ma.fields.String(required=True, metadata={"description": "send back as `since`"})
    full = ma.fields.Boolean(required=True, metadata={
        "description": "true: everything; false: only the tickets in `changed`"})
    changed = _gaps("only in a delta: the tickets it is about", required=False)
    checkpoint = ma.fields.Nested(CheckpointSchema, required=True)
    event_id = ma.fields.Integer(required=True)
    generated_at = IsoDateTime(required=True)
    public_keys = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(),
                                 required=True)
    rules = ma.fields.Dict(required=True)
    admitted = _gaps("admitted here")
    names = ma.fields.List(ma.fields.String(), required=True, metadata={
        "description": "the name of each `admitted` ticket, in order; \"\" for none"})
    revoked = _gaps("cancelled or voided")
    present = _gaps("inside here now")


class SearchArgsSchema(ma.Schema):
    q = Text(required=True, max_length=200)


class SearchHitSchema(ma.Schema):
    ticket_id = ma.fields.Integer(required=True, metadata={"description": "scan it with "
                                                                         "{\"ticket_id\"}"})
    name = ma.fields.String(required=True)
    email = ma.fields.String(required=True, metadata={"description": "masked"})
    valid = ma.fields.Boolean(required=True)
    inside = ma.fields.Boolean(required=True)


class CheckpointStatsSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    is_entrance = ma.fields.Boolean(required=True)
    checked_in = ma.fields.Integer(required=True)
    inside = ma.fields.Integer(required=True)
    capacity = ma.fields.Integer(allow_none=True, required=True)
    scans = ma.fields.Integer(required=True)
    refused = ma.fields.Integer(required=True)


class ArrivalSchema(ma.Schema):
    start = IsoDateTime(required=True)
    label = ma.fields.String(required=True)
    count = ma.fields.Integer(required=True)


class ChoiceCountSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    label = ma.fields.String(required=True)
    count = ma.fields.Integer(required=True, metadata={
        "description": "registrations (not cancelled) that chose it"})
    places = ma.fields.Integer(allow_none=True, required=True)
    color = ma.fields.String(required=True)


class QuestionCountsSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    label = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    choices = ma.fields.List(ma.fields.Nested(ChoiceCountSchema), required=True)


class StatsSchema(ma.Schema):
    event = ma.fields.String(required=True)
    generated_at = IsoDateTime(required=True)
    registrations = ma.fields.Integer(required=True)
    waitlist = ma.fields.Integer(required=True)
    cancelled = ma.fields.Integer(required=True)
    checked_in = ma.fields.Integer(required=True)
    inside = ma.fields.Integer(required=True)
    no_shows = ma.fields.Integer(required=True)
    checkpoints = ma.fields.List(ma.fields.Nested(CheckpointStatsSchema), required=True)
    arrivals = ma.fields.List(ma.fields.Nested(ArrivalSchema), required=True,
                              metadata={"description": "first arrivals per 15 minutes"})
    questions = ma.fields.List(ma.fields.Nested(QuestionCountsSchema), required=True,
                               metadata={"description": "counts per choice of each choice "
                                                        "question"})


def _check_csrf() -> None:
    """A logged-in browser must prove the request comes from our own page."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    try:
        validate_csrf(request.headers.get("X-CSRFToken", ""))
    except (ValidationError, CSRFError) as error:
        raise FestaError("csrf_failed", "Reload the scanner page and try again.",
                         status=400) from error


def scanner() -> tuple[DoorDevice | None, User | None]:
    """The device or staff member behind this request; 401 without one."""
    token = bearer_token()
    if token:
        device = device_for_token(token)
        if device is not None:
            return device, None
        user = user_for_api_token(token)
        if user is not None and user.can_scan():
            return None, user
        raise FestaError("unauthorized", "This token is unknown or was revoked.", status=401)
    if current_user.is_authenticated:
        if not current_user.can_scan():
            raise FestaError("forbidden", "Your account cannot scan tickets.", status=403)
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            _check_csrf()
        return None, current_user._get_current_object()
    raise FestaError("unauthorized", "Send a device token as 'Authorization: Bearer <token>'.",
                     status=401)


def door_for_scanner(checkpoint_id: int
                     ) -> tuple[DoorCheckpoint, DoorDevice | None, User | None]:
    """The checkpoint this request may scan at, without asking the database when a device
    token names its own checkpoint (devices and checkpoints are kept per process)."""
    device, user = scanner()
    if device is not None:
        if device.checkpoint_id != checkpoint_id:
            raise FestaError("forbidden", "This device belongs to another checkpoint.",
                             status=403)
        return DoorCheckpoint(id=checkpoint_id, event_id=device.event_id), device, None
    checkpoint = door_checkpoint(checkpoint_id)
    if checkpoint is None:
        raise FestaError("not_found", "No such checkpoint.", status=404)
    require_team(user, checkpoint.event_id, "checkpoint")  # staff: their events only
    return checkpoint, None, user


def checkpoint_for_scanner(checkpoint_id: int
                           ) -> tuple[Checkpoint, DoorDevice | None, User | None]:
    door, device, user = door_for_scanner(checkpoint_id)
    checkpoint = db.session.get(Checkpoint, door.id)
    if checkpoint is None:
        raise FestaError("not_found", "No such checkpoint.", status=404)
    return checkpoint, device, user


@blp.get("/checkpoints")
@blp.response(200, CheckpointSchema)
@blp.doc(security=[{"bearer": []}])
def my_checkpoint():
    """The checkpoint this device token belongs to, with its event."""
    device, _user = scanner()
    if device is None:
        raise FestaError("forbidden", "Only a device token belongs to a checkpoint; use "
                         "/checkpoints/{id}.", status=403)
    summary = queries.checkpoint_summary(db.session.get(Checkpoint, device.checkpoint_id))
    return summary


@blp.get("/checkpoints/<int:checkpoint_id>")
@blp.response(200, CheckpointSchema)
@blp.doc(security=[{"bearer": []}])
def get_checkpoint(checkpoint_id: int):
    """One checkpoint (its own for a device token; any for door staff)."""
    checkpoint, _device, _user = checkpoint_for_scanner(checkpoint_id)
    summary = queries.checkpoint_summary(checkpoint)
    return summary


@blp.post("/checkpoints/<int:checkpoint_id>/scans")
@blp.arguments(ScanRequestSchema())  # one instance: webargs makes one per request from a class
@blp.response(200, ScanResponseSchema)
@blp.doc(security=[{"bearer": []}])
def scan(body: dict, checkpoint_id: int):
    """Decide a scan. The same `client_scan_id` again returns the first answer and
    records nothing new (offline scanners sync safely)."""
    checkpoint, device, user = door_for_scanner(checkpoint_id)
    mode = body.get("mode") or ("offline" if body.get("scanned_at") else "online")
    if ("code" in body) == ("ticket_id" in body):  # checked after the scanner's right
        raise FestaError("validation_error", "Send either code or ticket_id.", status=422,
                         fields={"code": ["Send either code or ticket_id."]})
    code = body["code"] if "code" in body else ticket_code(body["ticket_id"])
    outcome = decide_scan(checkpoint, code, direction=body["direction"],
                          scanned_at=body.get("scanned_at"),
                          client_scan_id=body.get("client_scan_id"), device=device, user=user,
                          mode=mode)
    if not getattr(outcome, "replayed", False):  # a replay was counted the first time
        metrics.count_scan(outcome.response.get("result", ""), mode)
    return outcome.response


@blp.post("/checkpoints/<int:checkpoint_id>/scans/<int:scan_id>/undo")
@blp.response(200, UndoResponseSchema)
@blp.doc(security=[{"bearer": []}])
def undo(checkpoint_id: int, scan_id: int):
    """Take back a mistaken check-in (recorded as its own scan and in the audit log)."""
    checkpoint, device, user = checkpoint_for_scanner(checkpoint_id)
    return undo_scan(scan_for_undo(checkpoint, scan_id), device=device, user=user).response


@blp.get("/checkpoints/<int:checkpoint_id>/offline-bundle")
@blp.response(200, OfflineBundleSchema)
@blp.doc(security=[{"bearer": []}])
def bundle(checkpoint_id: int):
    """What a scanner needs to decide offline: public keys, revoked codes, allowed tickets,
    names to display, who is inside here."""
    checkpoint, _device, _user = checkpoint_for_scanner(checkpoint_id)
    data = bundles.offline_bundle(checkpoint)
    return data


@blp.get("/checkpoints/<int:checkpoint_id>/bundle")
@blp.arguments(BundleArgsSchema, location="query")
@blp.response(200, ScannerBundleSchema)
@blp.doc(security=[{"bearer": []}])
def scanner_bundle(args: dict, checkpoint_id: int):
    """The scanner's compact offline bundle, refreshed by deltas. Send the `version` of
    the last answer as `since` to get only the tickets whose state may have changed
    (`full: false`, listed in `changed`, each with its whole current state); without
    `since`, or when it is unknown, too old (12 hours) or the checkpoint now admits other
    tickets, the whole bundle comes (`full: true`). Ids are sent as gaps: the first id,
    then the difference to each next one."""
    checkpoint, _device, _user = checkpoint_for_scanner(checkpoint_id)
    data = bundles.scanner_bundle(checkpoint, args.get("since"))
    return data


def search_rate_key() -> str:
    """Door search is limited per scanner: its device token, or the staff member."""
    token = bearer_token()
    if token:
        return "door-search:" + hash_token(token)
    return f"door-search:user:{current_user.get_id()}"


def search_rate_limit() -> str:
    return current_app.config.get("DOOR_SEARCH_RATE_LIMIT", "60 per minute")


@blp.get("/checkpoints/<int:checkpoint_id>/search")
@limiter.limit(search_rate_limit, key_func=search_rate_key)
@blp.arguments(SearchArgsSchema, location="query")
@blp.response(200, SearchHitSchema(many=True))
@blp.doc(security=[{"bearer": []}])
def search(args: dict, checkpoint_id: int):
    """Find an attendee of this checkpoint's event by name (초성 too), a whole e-mail
    address or ticket number; at most 10 matches, e-mail addresses masked, no ticket
    codes. Rate limited per scanner; every search is audited (without what was typed)."""
    checkpoint, device, user = checkpoint_for_scanner(checkpoint_id)
    hits = queries.search_attendees(checkpoint, args["q"])
    record("door.search", checkpoint, details={"by": queries.search_kind(args["q"]),
                                               "hits": len(hits)},
           device_id=device.id if device else None, user_id=user.id if user else None)
    db.session.commit()
    return hits


@blp.get("/events/<slug>/stats")
@blp.response(200, StatsSchema)
@blp.doc(security=[{"bearer": []}])
def stats(slug: str):
    """Registrations, waitlist, checked in, inside, per checkpoint, arrivals per 15 minutes
    (organizers)."""
    organizer = require_organizer()
    event = db.session.scalar(db.select(Event).where(Event.slug == slug))
    if event is None:
        raise FestaError("not_found", "No such event.", status=404)
    require_team(organizer, event.id)
    data = queries.event_stats(event)
    return data
