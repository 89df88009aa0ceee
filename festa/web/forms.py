"""Forms every area's pages share: base classes, field builders, a service's field errors.

Forms check what one field can tell (required, length, number, format); the services check
the rules between fields and objects and name the field at fault (`FestaError.fields`),
which `set_field_errors` shows next to the inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    EmailField,
    IntegerField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from festa.core import inputs

NAME_MAX = 200
TEXT_MAX = 10_000
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def normalized(value: object) -> object:
    """Filter: NFC and stripped (festa.core.inputs), as every stored text is."""
    return inputs.normalize_text(value) if isinstance(value, str) else value


def normalized_multiline(value: object) -> object:
    return inputs.normalize_text(value, multiline=True) if isinstance(value, str) else value


def input_message(code: str, max_length: int | None = None) -> str:
    """The translated message for a festa.core.inputs rule (pages and services alike)."""
    messages = {
        "control_character": _("Remove control characters (such as line breaks) from this "
                               "text."),
        "surrogate": _("This text contains characters that cannot be stored."),
        "noncharacter": _("This text contains characters that cannot be stored."),
        "bidi_control": _("Remove right-to-left or left-to-right override characters from "
                          "this text."),
        "required": _("This field is required."),
        "bad_email": _("Please enter a valid e-mail address."),
    }
    if code == "too_long":
        return _("Please use at most %(n)s characters.", n=max_length)
    return messages.get(code, _("This value is not valid."))


class TextRules:
    """Validator: the characters festa.core.inputs allows (no control characters, no
    bidi overrides in one-line text, nothing unstorable)."""

    def __init__(self, multiline: bool = False) -> None:
        self.multiline = multiline

    def __call__(self, form: FlaskForm, field) -> None:
        if isinstance(field.data, str):
            problem = inputs.text_problem(field.data, multiline=self.multiline)
            if problem:
                raise ValidationError(input_message(problem))


def email_rules(form: FlaskForm, field) -> None:
    """Validator: a real address (internationalised ones too); stores the normal form."""
    if not field.data:
        return
    try:
        field.data = inputs.clean_email(field.data)
    except inputs.InputError as error:
        raise ValidationError(input_message(error.code)) from error


def email_field(label, required: bool = True, **kwargs) -> EmailField:
    """An e-mail input: 사용자@한국.kr is as welcome as user@example.com."""
    first = DataRequired() if required else Optional()
    return EmailField(label, [first, Length(max=254), email_rules], filters=[normalized],
                      **kwargs)


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
    """A one-line text input, NFC and stripped, with its length limit (the column's) and
    the shared character rules."""
    first = DataRequired() if required else Optional()
    return StringField(label, [first, Length(max=max_length), TextRules(), *extra],
                       filters=[normalized], **kwargs)


def long_text(label, max_length: int = TEXT_MAX) -> TextAreaField:
    return TextAreaField(label, [Optional(), Length(max=max_length), TextRules(multiline=True)],
                         filters=[normalized_multiline])


def capacity_field(label=None, **kwargs) -> IntegerField:
    return IntegerField(label or _l("Capacity"), [Optional(), NumberRange(
        min=0, message=_l("Must be 0 or more."))], **kwargs)


def local_datetime(label, zone: Callable[[], ZoneInfo], required: bool = False,
                   **kwargs) -> DateTimeLocalField:
    """A datetime-local input read as a wall-clock time in `zone()` (aware data)."""
    first = InputRequired() if required else Optional()
    return DateTimeLocalField(label, [first], format=DATETIME_FORMATS, tz=zone, **kwargs)


def set_zone(form: FlaskForm, names: tuple[str, ...], zone: ZoneInfo | Callable) -> None:
    """Read and show these datetime-local fields as wall-clock times in `zone`.

    The form has parsed its input before a subclass's __init__ can say which zone applies,
    so values parsed without one get it now."""
    for name in names:
        field = form[name]
        field.tz = zone
        if field.data is not None and field.data.tzinfo is None:
            field.data = field.data.replace(tzinfo=zone() if callable(zone) else zone)


class CheckboxListField(SelectMultipleField):
    """Several choices as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ManageForm(FlaskForm):
    """A form whose fields are model attributes; `rows` lays them out (pairs side by side)."""

    rows: tuple[tuple[str, ...], ...] = ()
    not_model: tuple[str, ...] = ("csrf_token",)

    def model_data(self) -> dict:
        """The submitted values under the model's attribute names."""
        return {name: f.data for name, f in self._fields.items() if name not in self.not_model}


class ConfirmForm(FlaskForm):
    """An empty form: its CSRF token confirms a deletion or another one-click change."""


def set_field_errors(form: FlaskForm, fields: Mapping[str, list[str]]) -> None:
    """Show a service's FestaError.fields on the matching inputs (others: `form_errors`)."""
    for name, messages in fields.items():
        target = form._fields.get(name)
        if target is None:
            form.form_errors.extend(messages)
        else:
            target.errors = [*target.errors, *messages]
