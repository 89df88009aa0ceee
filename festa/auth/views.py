"""Staff log in and out, and change their own password."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from festa.auth.forms import ChangePasswordForm, LoginForm
from festa.auth.limits import failed_login, login_account_key, login_account_limit
from festa.auth.models import Role
from festa.auth.services import (
    AccountError,
    authenticate,
    change_own_password,
    end_all_sessions,
)
from festa.extensions import limiter, login

bp = Blueprint("auth", __name__)
login.login_view = "auth.login_page"
login.login_message = None


def safe_next(target: str | None) -> str | None:
    """Only same-site paths: an open redirect would let phishers borrow our domain.

    Browsers read `//host`, `/\\host` and `////host` as another site, and drop tabs and
    newlines before parsing, so the path must be judged as the browser will see it."""
    if not target:
        return None
    normalised = "".join(ch for ch in target if ch not in "\t\r\n").replace("\\", "/")
    parts = urlsplit(normalised)
    if (parts.scheme or parts.netloc or not normalised.startswith("/")
            or normalised.startswith("//") or not normalised.isprintable()):
        return None
    return normalised


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
@limiter.limit(login_account_limit, key_func=login_account_key, methods=["POST"],
               deduct_when=failed_login)
def login_page():
    """The staff login form; door staff land on the scanner, organizers on /manage/."""
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("E-mail or password is not correct."))
        else:
            login_user(user)
            home = "checkin.scanner" if user.role == Role.DOOR else "manage.index"
            return redirect(safe_next(request.args.get("next")) or url_for(home))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    """Log out (POST, so a stray link cannot log anyone out)."""
    if current_user.is_authenticated:
        # Logging out here logs out everywhere: a forgotten browser elsewhere is closed too.
        end_all_sessions(current_user)
        logout_user()
        flash(_("You are logged out."), "info")
    return redirect(url_for("program.index"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Staff change their own password; their sessions in other browsers end."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            change_own_password(user, form.current.data, form.password.data)
        except AccountError:
            form.current.errors.append(_("The current password is not correct."))
        else:
            login_user(user)  # this browser's cookie carries the new session version
            flash(_("Your password is changed. Other sessions have been logged out."), "info")
            return redirect(url_for("auth.change_password"))
    return render_template("auth/password.html", form=form), 422 if form.errors else 200
