"""Staff log in and out."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from festa.auth.forms import LoginForm
from festa.auth.models import Role
from festa.auth.services import authenticate
from festa.extensions import db, limiter, login
from festa.security import failed_login, login_account_key, login_account_limit

bp = Blueprint("auth", __name__)
login.login_view = "auth.login_page"
login.login_message = None


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: an open redirect would let phishers borrow our domain."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        return None
    return target


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
            db.session.commit()
            login_user(user)
            home = "checkin.scanner" if user.role == Role.DOOR else "manage.index"
            return redirect(_safe_next(request.args.get("next")) or url_for(home))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    """Log out (POST, so a stray link cannot log anyone out)."""
    if current_user.is_authenticated:
        logout_user()
        flash(_("You are logged out."), "info")
    return redirect(url_for("program.index"))
