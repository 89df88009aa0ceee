"""Organizers' forms: events, tracks, venues and rooms (sessions and speakers: session_forms).

Forms check what one field can tell (required, length, number, format); the services check
the rules between fields and objects and name the field at fault the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from zoneinfo import ZoneInfo, available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)
from wtforms.widgets import ColorInput

from festa.i18n import localized
from festa.program.models import SLUG_PATTERN

NAME_MAX = 200
TEXT_MAX = 10_000
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def optional_int(value: object) -> int | None:
    """Coerce a select's value: "" means none."""
    if value in (None, "", "None"):
        return None
    return int(value)


def choices(labels: Mapping, empty=None) -> list[SelectChoice]:
    """Select options from {value: label}; `empty` labels a first "none" option."""
    options = [SelectChoice("", empty)] if empty is not None else []
    return options + [SelectChoice(str(value), label) for value, label in labels.items()]


def text(label, required: bool = False, max_length: int = NAME_MAX, extra: list = (),
         **kwargs) -> StringField:
    """A one-line text input, stripped, with its length limit (the column's)."""
    first = DataRequired() if required else Optional()
    return StringField(label, [first, Length(max=max_length), *extra], filters=[strip],
                       **kwargs)


def long_text(label, max_length: int = TEXT_MAX) -> TextAreaField:
    return TextAreaField(label, [Optional(), Length(max=max_length)], filters=[strip])


def capacity_field(label=None, **kwargs) -> IntegerField:
    return IntegerField(label or _l("Capacity"), [Optional(), NumberRange(
        min=0, message=_l("Must be 0 or more."))], **kwargs)


def local_datetime(label, zone: Callable[[], ZoneInfo], required: bool = False,
                   **kwargs) -> DateTimeLocalField:
    """A datetime-local input read as a wall-clock time in `zone()` (aware data)."""
    first = InputRequired() if required else Optional()
    return DateTimeLocalField(label, [first], format=DATETIME_FORMATS, tz=zone, **kwargs)


class ManageForm(FlaskForm):
    """A form whose fields are model attributes; `rows` lays them out (pairs side by side)."""

    rows: tuple[tuple[str, ...], ...] = ()
    not_model: tuple[str, ...] = ("csrf_token",)

    def model_data(self) -> dict:
        """The submitted values under the model's attribute names."""
        return {name: f.data for name, f in self._fields.items() if name not in self.not_model}

    def set_field_errors(self, fields: dict[str, list[str]]) -> None:
        """Show a service's FestaError.fields on the matching inputs (others: `form_errors`)."""
        for name, messages in fields.items():
            target = self._fields.get(name)
            if target is None:
                self.form_errors.extend(messages)
            else:
                target.errors = [*target.errors, *messages]


def set_zone(form: FlaskForm, names: tuple[str, ...], zone: ZoneInfo | Callable) -> None:
    """Read and show these datetime-local fields as wall-clock times in `zone`.

    The form has parsed its input before a subclass's __init__ can say which zone applies,
    so values parsed without one get it now."""
    for name in names:
        field = form[name]
        field.tz = zone
        if field.data is not None and field.data.tzinfo is None:
            field.data = field.data.replace(tzinfo=zone() if callable(zone) else zone)


def _zone_of(form_field: StringField) -> Callable[[], ZoneInfo]:
    def zone() -> ZoneInfo:
        name = form_field.data if form_field.data in available_timezones() else "Asia/Seoul"
        return ZoneInfo(name)

    return zone


class EventForm(ManageForm):
    slug = text(_l("Web address (slug)"), True, 80, extra=[Regexp(
        SLUG_PATTERN, message=_l("Use lowercase letters, digits and single hyphens."))],
        description=_l("Lowercase letters, digits and hyphens, as in /events/ai-seoul-festa/."))
    name_ko = text(_l("Name (Korean)"), True)
    name_en = text(_l("Name (English)"), True)
    description_ko = long_text(_l("Description (Korean)"))
    description_en = long_text(_l("Description (English)"))
    start_date = DateField(_l("First day"), [InputRequired()])
    end_date = DateField(_l("Last day"), [InputRequired()])
    timezone = text(_l("Time zone"), True, 64, default="Asia/Seoul",
                    description=_l("For example Asia/Seoul."))
    venue_id = SelectField(_l("Venue"), coerce=optional_int, validate_choice=False)
    capacity = capacity_field(description=_l("Leave empty for no limit."))
    registration_opens_at = local_datetime(_l("Registration opens"), None)
    registration_closes_at = local_datetime(_l("Registration closes"), None)

    rows = (("slug",), ("name_ko", "name_en"), ("description_ko", "description_en"),
            ("start_date", "end_date"), ("timezone", "venue_id"), ("capacity",),
            ("registration_opens_at", "registration_closes_at"))

    def __init__(self, *args, venues: list = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        set_zone(self, ("registration_opens_at", "registration_closes_at"),
                 _zone_of(self.timezone))
        self.venue_id.choices = choices({v.id: localized(v, "name") for v in venues},
                                        empty=_l("— none —"))


class TrackForm(ManageForm):
    name_ko = text(_l("Name (Korean)"), True)
    name_en = text(_l("Name (English)"), True)
    description_ko = long_text(_l("Description (Korean)"))
    description_en = long_text(_l("Description (English)"))
    color = StringField(_l("Colour"), [DataRequired(), Regexp(
        r"^#[0-9a-fA-F]{6}$", message=_l("Use a colour such as #3355aa."))],
        default="#3355aa", widget=ColorInput())
    position = IntegerField(_l("Order"), [Optional(), NumberRange(min=0)], default=0)

    rows = (("name_ko", "name_en"), ("description_ko", "description_en"), ("color", "position"))


class VenueForm(ManageForm):
    name_ko = text(_l("Name (Korean)"), True)
    name_en = text(_l("Name (English)"), True)
    address_ko = text(_l("Address (Korean)"), max_length=300)
    address_en = text(_l("Address (English)"), max_length=300)

    rows = (("name_ko", "name_en"), ("address_ko", "address_en"))


class RoomForm(ManageForm):
    name_ko = text(_l("Name (Korean)"), True)
    name_en = text(_l("Name (English)"), True)
    capacity = capacity_field(description=_l("Seats; leave empty for no limit."))
    position = IntegerField(_l("Order"), [Optional(), NumberRange(min=0)], default=0)
    opens_at = TimeField(_l("Opens at"), [Optional()],
                         description=_l("Local time of the event; empty: always open."))
    closes_at = TimeField(_l("Closes at"), [Optional()])

    rows = (("name_ko", "name_en"), ("capacity", "position"), ("opens_at", "closes_at"))


class ConfirmForm(FlaskForm):
    """An empty form: its CSRF token confirms a deletion or another one-click change."""


class PublishForm(FlaskForm):
    published = HiddenField()
