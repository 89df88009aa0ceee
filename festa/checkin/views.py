"""Door staff: the scanner page, pairing a device, choosing a checkpoint, the service worker.

The scanner page holds no personal data: it is the same shell for everyone, so the service
worker can keep it for offline use. Who may scan is decided by the API calls it makes,
with a paired device's token (kept in the browser) or a door staff login.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, render_template, send_file
from flask_login import current_user

from festa.auth.services import door_required
from festa.checkin import queries
from festa.checkin.devices import event_checkpoints
from festa.checkin.messages import scanner_messages
from festa.checkin.models import Checkpoint
from festa.checkin.services import device_for_token
from festa.extensions import db
from festa.program.queries import published_events

bp = Blueprint("checkin", __name__, url_prefix="/door")


@bp.get("/")
def scanner():
    """The scanner: camera, hand-held scanner input, search, results, offline mode."""
    staff = current_user.is_authenticated and current_user.can_scan()
    return render_template("door/scanner.html", messages=scanner_messages(), staff=staff)


@bp.get("/checkpoints")
@door_required
def choose():
    """Logged-in door staff pick the checkpoint they are standing at."""
    events = [(event, event_checkpoints(event)) for event in published_events()
              if current_user.is_on_team(event.id)]
    return render_template("door/checkpoints.html", events=events,
                           label=queries.checkpoint_label)


@bp.get("/pair/<token>")
def pair(token: str):
    """Pair this browser with a device token, then open the scanner."""
    device = device_for_token(token)
    if device is None:
        abort(404)
    response = make_response(render_template(
        "door/pair.html", token=token, checkpoint=db.session.get(Checkpoint, device.checkpoint_id),
        label=queries.checkpoint_label))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/sw.js")
def service_worker():
    """The service worker, served from /door/ so that its scope covers the scanner."""
    path = current_app.static_folder + "/js/door-sw.js"
    response = send_file(path, mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response
