"""View helpers every area's pages share: run a service from a form, the generic form page,
the "delete this?" page, flashed messages.

Services own their transaction (they commit); a view only calls them and shows the result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import flash, redirect, render_template
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from festa.errors import FestaError
from festa.web.forms import ConfirmForm, set_field_errors

T = TypeVar("T")


def run_service(form: FlaskForm | None, change: Callable[[], T]) -> T | None:
    """Call one service (`change`, which commits its own transaction or rolls it back);
    on a FestaError show its messages on the form's fields, or flash them. Returns the
    service's result (True for None), or None when it refused."""
    try:
        result = change()
    except FestaError as error:
        if form is not None and error.fields:
            set_field_errors(form, error.fields)
        else:
            flash(error.message, "error")
        return None
    return result if result is not None else True


def render_form(form: FlaskForm, title: str, back: str, template: str = "manage/form.html",
                **context: Any) -> tuple[str, int]:
    """The generic back-office form page (or a page extending it); 422 if it has errors."""
    status = 422 if form.errors else 200
    return render_template(template, form=form, title=title, back=back, **context), status


def form_page(form: FlaskForm, change: Callable[[], T], done: str | Callable[[T], str], *,
              title: str, back: str, message: str | None = None,
              check: Callable[[], object] | None = None, **context: Any):
    """The whole life of a back-office form: on a valid POST run the service (`change`) and
    go to `done` (a URL, or a function of the result); else show the
    form with its errors (422) or empty (200). `check` runs the service's own checks when
    the form's failed, so that every error shows at once."""
    if form.validate_on_submit():
        result = run_service(form, change)
        if result:
            saved(message)
            return redirect(done(result) if callable(done) else done)
    elif form.is_submitted() and check is not None:
        add_service_errors(form, check)
    return render_form(form, title, back, **context)


def add_service_errors(form: FlaskForm, check: Callable[[], object]) -> None:
    """Run a service's checks on a form that failed its own: add their errors to the fields
    that have none yet (one message per field is enough), change nothing."""
    try:
        check()
    except FestaError as error:
        set_field_errors(form, {name: messages for name, messages in error.fields.items()
                                if name in form._fields and not form[name].errors})
    except (TypeError, ValueError):
        pass  # values the form could not read: its own errors say so


def flash_errors(form: FlaskForm) -> None:
    """A form shown on another page (e.g. "add speaker"): its errors as messages, each
    naming the field."""
    for name, messages in form.errors.items():
        label = form[name].label.text if name in form._fields else ""
        for message in messages:
            flash(f"{label}: {message}" if label else message, "error")


def saved(message: str | None = None) -> None:
    flash(message or _("Saved."), "success")


def confirm_delete(what: str, back: str, delete: Callable[[], None], done: str):
    """GET: ask "delete <what>?"; POST (with CSRF token): delete, then go to `done`.
    A refusal (FestaError) is flashed and leads back to `back`."""
    form = ConfirmForm()
    if form.validate_on_submit():
        if run_service(None, delete):
            flash(_("Deleted: %(what)s", what=what), "success")
            return redirect(done)
        return redirect(back)
    return render_template("manage/confirm_delete.html", form=form, what=what, back=back)
