"""The audit log's filters (a GET form: links to a filtered view can be shared)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # read-only filters in the query string

    event = SelectField(_l("Event"), coerce=str, validators=[Optional()])
    actor = StringField(_l("Who"), validators=[Optional(), Length(max=100)])
    action = SelectField(_l("Action"), coerce=str, validators=[Optional()])
    submit = SubmitField(_l("Filter"))
