"""Organizers' webhook pages: add, pause, delete, and the delivery log with retry."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from festa.auth.services import organizer_required
from festa.auth.teams import scoped_or_404
from festa.outbox.models import OutboxKind, OutboxMessage
from festa.outbox.services import retry_now
from festa.program.models import Event
from festa.web.forms import ConfirmForm
from festa.webhooks import services as webhooks
from festa.webhooks.forms import WebhookForm
from festa.webhooks.models import Webhook

bp = Blueprint("webhooks_manage", __name__, url_prefix="/manage")


@bp.before_request
@organizer_required
def guard() -> None:
    """Every page here is for organizers."""


def confirmed() -> None:
    if not ConfirmForm().validate_on_submit():
        abort(400)


@bp.route("/events/<int:event_id>/webhooks", methods=["GET", "POST"])
def webhooks_page(event_id: int):
    """The event's webhooks, a form to add one, and the latest deliveries."""
    event = scoped_or_404(Event, event_id)
    form = WebhookForm()
    if form.validate_on_submit():
        webhooks.create_webhook(event.id, form.url.data, form.topics.data)
        flash(_("Webhook added. Its secret is shown below."), "success")
        return redirect(url_for(".webhooks_page", event_id=event.id))
    return render_template(
        "manage/webhooks/webhooks.html", event=event, form=form, confirm=ConfirmForm(),
        hooks=webhooks.event_webhooks(event.id), deliveries=webhooks.deliveries(event.id),
    ), 422 if form.errors else 200


@bp.post("/webhooks/<int:hook_id>/active")
def toggle(hook_id: int):
    """Pause a webhook (its calls wait) or switch it on again."""
    confirmed()
    hook = scoped_or_404(Webhook, hook_id)
    webhooks.set_active(hook, not hook.active)
    flash(_("Webhook switched on.") if hook.active else _("Webhook paused."), "success")
    return redirect(url_for(".webhooks_page", event_id=hook.event_id))


@bp.post("/webhooks/<int:hook_id>/delete")
def delete(hook_id: int):
    """Delete a webhook and its delivery log."""
    confirmed()
    hook = scoped_or_404(Webhook, hook_id)
    event_id = hook.event_id
    webhooks.delete_webhook(hook)
    flash(_("Webhook deleted."), "success")
    return redirect(url_for(".webhooks_page", event_id=event_id))


@bp.post("/webhook-deliveries/<int:message_id>/retry")
def retry(message_id: int):
    """Send a failed or waiting webhook call again at the next delivery pass."""
    confirmed()
    message = scoped_or_404(OutboxMessage, message_id)
    if message.kind != OutboxKind.WEBHOOK or message.event_id is None:
        abort(404)
    retry_now(message, audit_action="webhook.retry")
    flash(_("The call will be sent again shortly."), "success")
    return redirect(url_for(".webhooks_page", event_id=message.event_id))
