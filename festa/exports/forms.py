"""Organizers' forms of the open-data pages: programme upload, webhooks, API tokens."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from festa.outbox.webhooks import TOPICS
from festa.web.forms import CheckboxListField


class ImportForm(FlaskForm):
    upload = FileField(_l("Programme file"), [
        FileRequired(_l("Choose a file.")),
        FileAllowed(["csv", "json", "txt"], _l("Upload a .csv or a schedule.json file.")),
    ], description=_l("CSV (UTF-8, the columns below) or a C3VOC/frab/pretalx schedule.json."))


class ConfirmImportForm(FlaskForm):
    key = HiddenField(validators=[DataRequired()])


class WebhookForm(FlaskForm):
    url = StringField(_l("Receiver URL"), [
        DataRequired(), Length(max=500),
        Regexp(r"^https?://[^\s/]+", message=_l("Use an http:// or https:// address.")),
    ], filters=[lambda v: v.strip() if isinstance(v, str) else v],
        description=_l("We POST signed JSON to this address."))
    topics = CheckboxListField(_l("Notifications"), [DataRequired(_l("Choose at least one."))],
                             choices=[SelectChoice(t) for t in TOPICS], default=list(TOPICS))


class TokenForm(FlaskForm):
    name = StringField(_l("What the token is for"), [Optional(), Length(max=100)],
                       filters=[lambda v: v.strip() if isinstance(v, str) else v],
                       description=_l("For example: the registration dashboard script."))
