"""Name badges over the API: GET /api/v1/registrations/{id}/badge.pdf (shared/CONTRACT.md)
for the event's organizers and its door staff (a staff login, a personal token, or a
scanning device of one of the event's checkpoints). Every print is audited with who."""

from __future__ import annotations

from flask import Response
from flask_smorest import Blueprint

from festa.api import ErrorSchema
from festa.api.auth import require_team
from festa.api.checkin import scanner
from festa.badges import services
from festa.errors import FestaError
from festa.extensions import db
from festa.registration.models import Registration

blp = Blueprint("api_badges", __name__, description="Name badges to print")


@blp.get("/registrations/<int:registration_id>/badge.pdf")
@blp.doc(security=[{"bearer": []}], responses={"200": {
    "description": "the badge as PDF (Korean font embedded)",
    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}})
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
def badge(registration_id: int):
    """The attendee's name badge in the event's layout; audited as badge.print, or
    badge.reprint when it was printed before."""
    device, user = scanner()
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        raise FestaError("not_found", "No such registration.", status=404)
    if device is not None and device.event_id != registration.event_id:
        raise FestaError("forbidden", "This device scans for another event.", status=403)
    if user is not None:
        require_team(user, registration.event_id, "registration")
    if registration.anonymized_at is not None:
        raise FestaError("not_found", "This registration's data was deleted.", status=404)
    pdf = services.render(registration.event, [registration])
    action = services.record_print(
        registration, user_id=user.id if user is not None else None,
        device_id=device.id if device is not None else None,
        source="door" if device is not None else "api")
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="badge-{registration.id}.pdf"',
        "Cache-Control": "private, no-store", "X-Badge-Print": action})
