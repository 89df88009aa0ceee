"""/manage/mail: every message in the outbox, readable by organizers, failed ones retryable.

While no SMTP server is configured (the demo) mail stays here, so this page shows what
attendees would receive.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from festa.auth.services import organizer_required
from festa.auth.teams import event_scope, scoped_or_404
from festa.core.inputs import page_number
from festa.outbox import queries
from festa.outbox.models import OutboxKind, OutboxMessage, OutboxStatus
from festa.outbox.services import retry_now

bp = Blueprint("outbox_manage", __name__, url_prefix="/manage")

# The mail's own HTML runs in a sandboxed frame with no scripts, no network and no forms.
PREVIEW_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'"


def _mail_or_404(message_id: int) -> OutboxMessage:
    message = scoped_or_404(OutboxMessage, message_id)
    if message.kind != OutboxKind.MAIL:
        abort(404)
    return message


@bp.get("/mail")
@organizer_required
def mail_list():
    """Outgoing mail, newest first, filtered by status."""
    status = request.args.get("status") or None
    if status not in queries.STATUSES:
        status = None
    # Organizers read the mail of their events only; mail of no event is for admins.
    scope = event_scope(current_user, OutboxMessage.event_id)
    page = queries.mail_page(status, request.args.get("page", 1, type=page_number), scope)
    return render_template(
        "manage/outbox/mail.html", page=page, status=status, counts=queries.status_counts(scope),
        smtp_configured=bool(current_app.config.get("MAIL_SERVER")),
    )


@bp.get("/mail/<int:message_id>")
@organizer_required
def mail_message(message_id: int):
    """One message as the attendee would read it: headers, HTML, text and attachments."""
    message = _mail_or_404(message_id)
    return render_template("manage/outbox/message.html", message=message,
                           mail=queries.read_mail(message))


@bp.get("/mail/<int:message_id>/preview")
@organizer_required
def mail_preview(message_id: int):
    """The HTML part alone, for the sandboxed frame on the message page."""
    html = queries.html_with_inline_images(_mail_or_404(message_id))
    if html is None:
        abort(404)
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = PREVIEW_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/mail/<int:message_id>/attachments/<int:index>")
@organizer_required
def mail_attachment(message_id: int, index: int):
    """Download one attachment (the ticket's QR, the calendar file)."""
    found = queries.attachment(_mail_or_404(message_id), index)
    if found is None:
        abort(404)
    filename, content_type, data = found
    response = Response(data, mimetype=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/mail/<int:message_id>/retry")
@organizer_required
def mail_retry(message_id: int):
    """Send a failed message again at the next delivery pass."""
    message = _mail_or_404(message_id)
    if message.status == OutboxStatus.SENT:
        flash(_("This message has been sent already."), "warning")
    else:
        retry_now(message)
        flash(_("The message will be sent again at the next delivery."), "success")
    return redirect(url_for("outbox_manage.mail_message", message_id=message.id))
