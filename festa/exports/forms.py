"""Organizers' forms of the open-data pages: programme upload, webhooks, API tokens."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from festa.errors import FestaError
from festa.outbox.webhooks import TOPICS, check_receiver_url
from festa.web.forms import CheckboxListField


class ImportForm(FlaskForm):
    upload = FileField(_l("Programme file"), [
        FileRequired(_l("Choose a file.")),
        FileAllowed(["csv", "json", "txt"], _l("Upload a .csv or a schedule.json file.")),
    ], description=_l("CSV (UTF-8, the columns below) or a C3VOC/frab/pretalx schedule.json."))


class ConfirmImportForm(FlaskForm):
    key = HiddenField(validators=[DataRequired()])


RECEIVER_URL_MESSAGES = {
    "https_required": _l("Use an https:// address."),
    "bad_url": _l("This is not a valid web address."),
    "unresolvable": _l("This host name could not be found."),
    "address_not_allowed": _l("Addresses inside private, internal or reserved networks are "
                              "not allowed."),
}


def receiver_url(form: FlaskForm, field: StringField) -> None:
    """The webhook service's URL rules (https, public addresses), as a form validator."""
    try:
        check_receiver_url(field.data or "")
    except FestaError as error:
        raise ValidationError(RECEIVER_URL_MESSAGES.get(error.code, error.message)) from error


class WebhookForm(FlaskForm):
    url = StringField(_l("Receiver URL"), [DataRequired(), Length(max=500), receiver_url],
                      filters=[lambda v: v.strip() if isinstance(v, str) else v],
                      description=_l("We POST signed JSON to this https:// address."))
    topics = CheckboxListField(_l("Notifications"), [DataRequired(_l("Choose at least one."))],
                             choices=[SelectChoice(t) for t in TOPICS], default=list(TOPICS))


class TokenForm(FlaskForm):
    name = StringField(_l("What the token is for"), [Optional(), Length(max=100)],
                       filters=[lambda v: v.strip() if isinstance(v, str) else v],
                       description=_l("For example: the registration dashboard script."))
