"""Registration forms: sign up, manage-link request, walk-in registration."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    RadioField,
    SelectChoice,
    SubmitField,
)
from wtforms.validators import DataRequired

from festa.web.forms import CheckboxListField, email_field, text


class RegistrationForm(FlaskForm):
    name = text(_l("Name"), required=True, max_length=100, render_kw={"autocomplete": "name"})
    email = email_field(_l("E-mail"), render_kw={"autocomplete": "email"})
    organization = text(_l("Organisation (optional)"), max_length=200,
                        render_kw={"autocomplete": "organization"})
    locale = RadioField(_l("Preferred language for e-mail"), default="ko",
                        choices=[SelectChoice("ko", "한국어"), SelectChoice("en", "English")],
                        validators=[DataRequired()])
    sessions = CheckboxListField(_l("Sessions that need a reservation"), coerce=int,
                                 choices=[], validate_choice=True)
    consent = BooleanField(
        _l("I agree to the collection and use of my personal information as described above."),
        validators=[DataRequired(_l("Registration needs your consent to the privacy notice."))],
    )
    submit = SubmitField(_l("Register"))

    def set_sessions(self, sessions: list) -> None:
        """The event's reservable sessions as the checkbox choices (value: session id)."""
        self.sessions.choices = [SelectChoice(s.id, s.title_en) for s in sessions]

    def preselect_sessions(self, requested: Iterable[str]) -> None:
        """Tick the sessions a link asked for (`?sessions=3&sessions=5` or `?sessions=3,5`,
        as session pages link here). Ids that are not among the choices are ignored: the
        visitor still sees the form, only without that tick. Call after `set_sessions`."""
        wanted = {part.strip() for value in requested for part in value.split(",")}
        self.sessions.data = [choice.value for choice in self.sessions.choices
                              if str(choice.value) in wanted]


class WalkInForm(RegistrationForm):
    """An organizer registers someone at the door; they confirm consent was given."""

    consent = BooleanField(
        _l("The attendee agreed to the privacy notice."),
        validators=[DataRequired(_l("Registration needs the attendee's consent."))],
    )
    submit = SubmitField(_l("Register walk-in"))


class ManageLinkForm(FlaskForm):
    """Ask for the manage link again, by e-mail."""

    email = email_field(_l("The e-mail address you registered with"),
                        render_kw={"autocomplete": "email"})
    submit = SubmitField(_l("Send me my manage link"))
