"""Organizers' forms for checkpoints and scanning devices."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, RadioField, SelectField
from wtforms.validators import NumberRange, Optional

from festa.checkin.models import Admits
from festa.i18n import localized
from festa.web.forms import ManageForm, choices, optional_int, text


class CheckpointForm(ManageForm):
    name = text(_l("Name"), True, 200, description=_l("As door staff will see it, e.g. "
                                                        "\"Grand Ballroom, door 2\"."))
    session_id = SelectField(_l("Session"), coerce=optional_int, validate_choice=False,
                             description=_l("For a session's own door."))
    room_id = SelectField(_l("Room"), coerce=optional_int, validate_choice=False)
    admits = RadioField(_l("Who may enter"), default=Admits.ANY_TICKET, choices=choices({
        Admits.ANY_TICKET.value: _l("Any valid ticket of the event"),
        Admits.RESERVATION.value: _l("Only tickets with a reservation for the session"),
    }))
    capacity = IntegerField(_l("Room capacity"), [Optional(), NumberRange(
        min=1, message=_l("Must be 1 or more."))],
        description=_l("People inside at once; leave empty for no limit."))
    counts_exits = BooleanField(_l("Count exits (scan people out too)"))
    active = BooleanField(_l("Open for scanning"), default=True)
    print_badges = BooleanField(_l("Print a name badge on first entry"), description=_l(
        "The scanner opens the attendee's badge for printing after a successful scan, and "
        "offers to reprint it for someone already checked in."))

    rows = (("name",), ("session_id", "room_id"), ("admits",), ("capacity",),
            ("counts_exits",), ("active",), ("print_badges",))

    def __init__(self, *args, sessions: list = (), rooms: list = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        none = _l("— none —")
        self.session_id.choices = choices({s.id: localized(s, "title") for s in sessions}, none)
        self.room_id.choices = choices({r.id: localized(r, "name") for r in rooms}, none)


class DeviceForm(ManageForm):
    name = text(_l("Device name"), False, 100, description=_l("e.g. \"Gate 3 phone\"."))
