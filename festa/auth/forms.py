"""Staff forms: logging in, and admins managing staff accounts."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from festa.auth.models import Role
from festa.auth.services import MIN_PASSWORD_LENGTH, AccountError, check_password_rules
from festa.web.forms import ManageForm, choices, email_field, text

ROLE_LABELS = {
    Role.ADMIN: _l("Admin"),
    Role.ORGANIZER: _l("Organizer"),
    Role.DOOR: _l("Door staff"),
}


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Log in"))


def password_rules(form: FlaskForm, field: PasswordField) -> None:
    """The account rules of festa.auth.services, as a form validator."""
    try:
        check_password_rules(field.data or "")
    except AccountError as error:
        raise ValidationError(_l("Use at least %(count)d characters.",
                                 count=MIN_PASSWORD_LENGTH)) from error


class PasswordForm(ManageForm):
    password = PasswordField(_l("New password"), [DataRequired(), Length(max=200),
                                                  password_rules])
    confirm = PasswordField(_l("Repeat the password"), [DataRequired(), EqualTo(
        "password", message=_l("The two passwords differ."))])

    rows = (("password", "confirm"),)


class ChangePasswordForm(FlaskForm):
    """A staff member changes their own password (the current one proves it is them)."""

    current = PasswordField(_l("Current password"), [DataRequired(), Length(max=200)])
    password = PasswordField(_l("New password"), [DataRequired(), Length(max=200),
                                                  password_rules])
    confirm = PasswordField(_l("Repeat the password"), [DataRequired(), EqualTo(
        "password", message=_l("The two passwords differ."))])


class StaffForm(PasswordForm):
    email = email_field(_l("E-mail"))
    name = text(_l("Name"), max_length=100)
    role = SelectField(_l("Role"), choices=choices(ROLE_LABELS), default=Role.ORGANIZER,
                       description=_l("Organizers manage the programme; door staff only scan "
                                      "tickets; admins also manage staff."))
    password = PasswordField(_l("Password"), [DataRequired(), Length(max=200), password_rules])

    rows = (("email", "name"), ("role",), ("password", "confirm"))


class ActiveForm(FlaskForm):
    active = HiddenField()


class TokenForm(FlaskForm):
    name = text(_l("What the token is for"), max_length=100,
                description=_l("For example: the registration dashboard script."))
