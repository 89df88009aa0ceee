"""Organizers' check-in pages: the live dashboard, checkpoints and scanning devices."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
import sqlalchemy as sa
from flask import Blueprint, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from festa.auth.services import organizer_required
from festa.auth.teams import event_scope, scoped_or_404
from festa.checkin import queries
from festa.checkin.devices import (
    add_session_checkpoints,
    checkpoint_devices,
    create_checkpoint,
    create_device,
    event_checkpoints,
    revoke_device,
    update_checkpoint,
)
from festa.checkin.forms import CheckpointForm, DeviceForm
from festa.checkin.models import Checkpoint, Device
from festa.dbtypes import utcnow
from festa.extensions import db
from festa.program.models import Event
from festa.program.queries import absolute_url, schedule_sessions
from festa.web.views import render_form, run_service, saved

bp = Blueprint("checkin_manage", __name__, url_prefix="/manage")


def pairing_qr(url: str) -> Markup:
    """The pairing link as an inline SVG QR code. Not cached like ticket images: the link
    holds a secret token and must not be written to disk."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathFillImage,
                        error_correction=qrcode.constants.ERROR_CORRECT_M)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return Markup(svg[svg.index("<svg"):])  # noqa: S704 - our own generated SVG


@bp.get("/checkin")
@organizer_required
def index():
    """Events, each with its check-in dashboard and checkpoints."""
    events = db.session.scalars(sa.select(Event).where(event_scope(current_user, Event.id))
                                .order_by(Event.start_date.desc())).all()
    return render_template("manage/checkin/index.html", events=events)


@bp.get("/events/<int:event_id>/checkin")
@organizer_required
def dashboard(event_id: int):
    """Live arrivals: checked in, inside, no-shows, per checkpoint, per quarter hour."""
    event = scoped_or_404(Event, event_id)
    stats = queries.event_stats(event)
    return render_template("manage/checkin/dashboard.html", event=event, stats=stats,
                           updated_at=utcnow())


@bp.get("/events/<int:event_id>/checkpoints")
@organizer_required
def checkpoints(event_id: int):
    """The event's checkpoints with their devices; pair a new device from here."""
    event = scoped_or_404(Event, event_id)
    rows = [(c, checkpoint_devices(c), _device_form(c)) for c in event_checkpoints(event)]
    return render_template("manage/checkin/checkpoints.html", event=event, rows=rows,
                           label=queries.checkpoint_label)


def _device_form(checkpoint: Checkpoint) -> DeviceForm:
    # One form per checkpoint on the page: the prefix keeps input ids unique.
    return DeviceForm(prefix=f"device{checkpoint.id}")


def _checkpoint_form(event: Event, obj: Checkpoint | None = None) -> CheckpointForm:
    rooms = event.venue.rooms if event.venue else []
    return CheckpointForm(obj=obj, sessions=schedule_sessions(event), rooms=rooms)


@bp.route("/events/<int:event_id>/checkpoints/new", methods=["GET", "POST"])
@organizer_required
def checkpoint_new(event_id: int):
    """Create a checkpoint for a session or a room."""
    event = scoped_or_404(Event, event_id)
    form = _checkpoint_form(event)
    back = url_for(".checkpoints", event_id=event.id)
    if form.validate_on_submit() and run_service(
            form, lambda: create_checkpoint(event, **form.model_data())):
        saved()
        return redirect(back)
    return render_form(form, _("New checkpoint"), back, subject=event.name_ko)


@bp.post("/events/<int:event_id>/checkpoints/sessions")
@organizer_required
def session_checkpoints(event_id: int):
    """One click: a reservation-checking door for every session that needs a reservation."""
    event = scoped_or_404(Event, event_id)
    created = run_service(None, lambda: add_session_checkpoints(event))
    if created is not None:
        count = 0 if created is True else len(created)
        saved(_("%(n)s checkpoints added.", n=count))
    return redirect(url_for(".checkpoints", event_id=event.id))


@bp.route("/checkpoints/<int:checkpoint_id>/edit", methods=["GET", "POST"])
@organizer_required
def checkpoint_edit(checkpoint_id: int):
    """Change who a checkpoint admits, its capacity, exits, or close it."""
    checkpoint = scoped_or_404(Checkpoint, checkpoint_id)
    form = _checkpoint_form(checkpoint.event, checkpoint)
    back = url_for(".checkpoints", event_id=checkpoint.event_id)
    if form.validate_on_submit() and run_service(
            form, lambda: update_checkpoint(checkpoint, **form.model_data())):
        saved()
        return redirect(back)
    return render_form(form, queries.checkpoint_label(checkpoint), back,
                       subject=checkpoint.event.name_ko)


@bp.post("/checkpoints/<int:checkpoint_id>/devices")
@organizer_required
def device_new(checkpoint_id: int):
    """Pair a new device: its token and pairing QR code are shown once, never stored."""
    checkpoint = scoped_or_404(Checkpoint, checkpoint_id)
    form = _device_form(checkpoint)
    if not form.validate_on_submit():
        return redirect(url_for(".checkpoints", event_id=checkpoint.event_id))
    device, token = create_device(checkpoint, form.name.data or "",
                                  created_by=current_user._get_current_object())
    # FESTA_BASE_URL, never the request's Host: a forged Host must not redirect the pairing.
    link = absolute_url(url_for("checkin.pair", token=token))
    response = make_response(render_template(
        "manage/checkin/device.html", checkpoint=checkpoint, device=device, token=token,
        link=link, qr=pairing_qr(link), label=queries.checkpoint_label))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/devices/<int:device_id>/revoke")
@organizer_required
def device_revoke(device_id: int):
    """Unpair a device: its token stops working at once."""
    device = scoped_or_404(Device, device_id)
    event_id = device.checkpoint.event_id
    if run_service(None, lambda: revoke_device(device)):
        saved(_("The device can no longer scan."))
    return redirect(url_for(".checkpoints", event_id=event_id))
