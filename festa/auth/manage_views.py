"""Staff accounts, for admins: list, create, deactivate or reactivate, reset a password."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from festa.auth import services
from festa.auth.forms import ROLE_LABELS, ActiveForm, PasswordForm, StaffForm
from festa.auth.models import User
from festa.auth.services import MIN_PASSWORD_LENGTH, AccountError, admin_required
from festa.extensions import db
from festa.web.forms import set_field_errors
from festa.web.views import render_form, saved

bp = Blueprint("auth_manage", __name__, url_prefix="/manage")


def _account_error(form: StaffForm | PasswordForm | None, error: AccountError) -> None:
    """Show an AccountError on the field it concerns, in the current language."""
    messages = {
        "weak_password": ("password", _("Use at least %(count)d characters.",
                                        count=MIN_PASSWORD_LENGTH)),
        "email_taken": ("email", _("A staff account with this e-mail exists already.")),
        "bad_role": ("role", _("Unknown role.")),
        "own_account": (None, _("You cannot deactivate your own account.")),
    }
    field, message = messages.get(error.code, (None, str(error)))
    if form is not None and field in form._fields:
        set_field_errors(form, {field: [message]})
    else:
        flash(message, "error")


@bp.get("/staff/")
@admin_required
def staff():
    """Every staff account with its role and state."""
    return render_template("manage/auth/staff.html", users=services.staff_accounts(),
                           role_labels=ROLE_LABELS, active_form=ActiveForm())


@bp.route("/staff/new", methods=["GET", "POST"])
@admin_required
def staff_new():
    """Create a staff account (admin, organizer or door staff)."""
    form = StaffForm()
    if form.validate_on_submit():
        try:
            services.create_staff(form.email.data, form.password.data, form.role.data,
                                  name=form.name.data)
        except AccountError as error:
            _account_error(form, error)
        else:
            saved(_("Staff account created."))
            return redirect(url_for("auth_manage.staff"))
    return render_form(form, _("New staff account"), url_for("auth_manage.staff"))


@bp.post("/staff/<int:user_id>/active")
@admin_required
def staff_set_active(user_id: int):
    """Deactivate (active=0) or reactivate (active=1) an account."""
    user = db.get_or_404(User, user_id)
    form = ActiveForm()
    if form.validate_on_submit():
        active = form.active.data == "1"
        try:
            services.set_active(user, active, by=current_user)
        except AccountError as error:
            _account_error(None, error)
        else:
            saved(_("Account reactivated.") if active else _("Account deactivated."))
    return redirect(url_for("auth_manage.staff"))


@bp.route("/staff/<int:user_id>/password", methods=["GET", "POST"])
@admin_required
def staff_password(user_id: int):
    """Set a new password for a staff member who forgot theirs."""
    user = db.get_or_404(User, user_id)
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(user, form.password.data)
        except AccountError as error:
            _account_error(form, error)
        else:
            saved(_("Password changed for %(email)s.", email=user.email))
            return redirect(url_for("auth_manage.staff"))
    return render_form(form, _("Reset password"), url_for("auth_manage.staff"),
                       subject=user.email)
