"""Manage venues and their rooms (capacity, opening hours)."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import gettext as _

from festa.auth.services import organizer_required
from festa.extensions import db
from festa.i18n import localized
from festa.manage import queries
from festa.manage.base import bp
from festa.manage.forms import RoomForm, VenueForm
from festa.program import editing as services
from festa.program.models import Room, Venue
from festa.web.views import confirm_delete, form_page


@bp.get("/venues/")
@organizer_required
def venues():
    """Every venue with its rooms."""
    return render_template("manage/program/venues.html", venues=queries.all_venues())


@bp.route("/venues/new", methods=["GET", "POST"])
@organizer_required
def venue_new():
    """Add a venue; rooms are added on its page."""
    form = VenueForm()
    return form_page(form, lambda: services.create_venue(form.model_data()),
                     lambda venue: url_for("manage.venue", venue_id=venue.id),
                     title=_("New venue"), back=url_for("manage.venues"),
                     message=_("Venue added. Now add its rooms."))


@bp.route("/venues/<int:venue_id>/", methods=["GET", "POST"])
@organizer_required
def venue(venue_id: int):
    """A venue: its details (editable) and its rooms."""
    venue = db.get_or_404(Venue, venue_id)
    form = VenueForm(obj=venue)
    return form_page(form, lambda: services.update_venue(venue, form.model_data()),
                     url_for("manage.venue", venue_id=venue.id), title=localized(venue, "name"),
                     back=url_for("manage.venues"), template="manage/program/venue.html",
                     venue=venue,
                     delete_url=url_for("manage.venue_delete", venue_id=venue.id))


@bp.route("/venues/<int:venue_id>/delete", methods=["GET", "POST"])
@organizer_required
def venue_delete(venue_id: int):
    """Delete a venue with its rooms (asks first; refused while an event uses it)."""
    venue = db.get_or_404(Venue, venue_id)
    return confirm_delete(localized(venue, "name"), url_for("manage.venue", venue_id=venue.id),
                          lambda: services.delete_venue(venue), url_for("manage.venues"))


@bp.route("/venues/<int:venue_id>/rooms/new", methods=["GET", "POST"])
@organizer_required
def room_new(venue_id: int):
    """Add a room to a venue."""
    venue = db.get_or_404(Venue, venue_id)
    form = RoomForm()
    back = url_for("manage.venue", venue_id=venue.id, _anchor="rooms")
    return form_page(form, lambda: services.create_room(venue, form.model_data()), back,
                     title=_("New room"), back=back, subject=localized(venue, "name"),
                     message=_("Room added."))


@bp.route("/rooms/<int:room_id>/edit", methods=["GET", "POST"])
@organizer_required
def room_edit(room_id: int):
    """Edit a room's name, capacity, order and opening hours."""
    room = db.get_or_404(Room, room_id)
    form = RoomForm(obj=room)
    back = url_for("manage.venue", venue_id=room.venue_id, _anchor="rooms")
    return form_page(form, lambda: services.update_room(room, form.model_data()), back,
                     title=_("Edit room"), back=back, subject=localized(room.venue, "name"),
                     delete_url=url_for("manage.room_delete", room_id=room.id))


@bp.route("/rooms/<int:room_id>/delete", methods=["GET", "POST"])
@organizer_required
def room_delete(room_id: int):
    """Delete a room (asks first; refused while sessions are placed in it)."""
    room = db.get_or_404(Room, room_id)
    back = url_for("manage.venue", venue_id=room.venue_id, _anchor="rooms")
    return confirm_delete(localized(room, "name"), back, lambda: services.delete_room(room), back)
