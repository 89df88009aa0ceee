"""Organizers' forms of the programme: events, tracks, venues and rooms (sessions and
speakers: session_forms). The field builders are the web toolkit's (`festa.web.forms`).
"""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo, available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TimeField,
    URLField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)
from wtforms.widgets import ColorInput

from festa.i18n import countries, currencies, localized
from festa.program.models import SLUG_PATTERN
from festa.web.forms import (
    ManageForm,
    capacity_field,
    choices,
    local_datetime,
    long_text,
    optional_int,
    set_zone,
    strip,
    text,
)


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
    # The consent notice promises this period; retention run erases when it has passed.
    retention_days = IntegerField(
        _l("Keep personal data (days after the event)"),
        [Optional(), NumberRange(min=1, max=1825)], default=365,
        filters=[lambda days: 365 if days is None else days],
        description=_l("Attendees' data is anonymised this many days after the last day."))
    # Published as structured data (JSON-LD) for search engines; empty: not claimed.
    organizer_name_ko = text(_l("Organizer (Korean)"), description=_l("For example 서울특별시."))
    organizer_name_en = text(_l("Organizer (English)"),
                             description=_l("For example Seoul Metropolitan Government."))
    organizer_url = URLField(_l("Organizer's website"), [Optional(), Length(max=500)],
                             filters=[strip], description=_l("An https:// address."))
    country = SelectField(_l("Country"), validate_choice=False)
    currency = SelectField(_l("Currency"), validate_choice=False,
                           description=_l("Of prices, if the event ever charges."))

    rows = (("slug",), ("name_ko", "name_en"), ("description_ko", "description_en"),
            ("start_date", "end_date"), ("timezone", "venue_id"), ("capacity", "retention_days"),
            ("registration_opens_at", "registration_closes_at"),
            ("organizer_name_ko", "organizer_name_en"), ("organizer_url",),
            ("country", "currency"))

    def __init__(self, *args, venues: list = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        set_zone(self, ("registration_opens_at", "registration_closes_at"),
                 _zone_of(self.timezone))
        self.venue_id.choices = choices({v.id: localized(v, "name") for v in venues},
                                        empty=_l("— none —"))
        self.country.choices = choices(dict(countries()), empty=_l("— not stated —"))
        self.currency.choices = choices(dict(currencies()), empty=_l("— not stated —"))

    def model_data(self) -> dict:
        data = super().model_data()
        for name in ("organizer_name_ko", "organizer_name_en", "organizer_url", "country",
                     "currency"):  # empty inputs: not stated ("" in the column, never NULL)
            data[name] = data[name] or ""
        return data


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
    parallel_sessions = BooleanField(
        _l("Parallel sessions allowed"),
        description=_l("Poster hall, exhibition: sessions at the same time are not a conflict."))

    rows = (("name_ko", "name_en"), ("capacity", "position"), ("opens_at", "closes_at"),
            ("parallel_sessions",))


class PublishForm(FlaskForm):
    published = HiddenField()


class TeamMemberForm(ManageForm):
    email = EmailField(_l("E-mail of a staff account"), [DataRequired(), Email(),
                                                         Length(max=254)], filters=[strip],
                       description=_l("An organizer or door staff account; admins act on "
                                      "every event already."))

    rows = (("email",),)
