"""Organizers' personal API tokens: create (shown once) and revoke, on a manage page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from festa.auth import tokens
from festa.auth.forms import TokenForm
from festa.auth.services import organizer_required
from festa.web.forms import ConfirmForm

bp = Blueprint("tokens", __name__, url_prefix="/manage")


@bp.route("/tokens", methods=["GET", "POST"])
@organizer_required
def tokens_page():
    """The organizer's tokens; creating one shows it once on the answer page."""
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        new_token = tokens.issue_token(current_user, form.name.data or "")
        form = TokenForm(formdata=None)
    response = render_template(
        "manage/auth/tokens.html", form=form, confirm=ConfirmForm(), new_token=new_token,
        tokens=tokens.user_tokens(current_user),
    )
    # The token is in this page only: never keep it in any cache.
    return response, (422 if form.errors else 200), {"Cache-Control": "no-store"}


@bp.post("/tokens/<int:token_id>/revoke")
@organizer_required
def revoke(token_id: int):
    """Revoke one of my tokens: scripts using it get 401 from now on."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    tokens.revoke_token(current_user, token_id)
    flash(_("Token revoked."), "success")
    return redirect(url_for(".tokens_page"))
