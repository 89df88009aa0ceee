"""The organizers' webhook form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from festa.errors import FestaError
from festa.web.forms import CheckboxListField
from festa.webhooks.services import TOPICS, check_receiver_url

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
