"""Mail to attendees: built in their language when queued, sent over SMTP from the outbox.

The whole MIME message (text and HTML parts, the ticket's QR inline and attached, the
.ics) is stored in the outbox row, so a retry sends exactly the same bytes with the same
Message-ID, and organizers can read every message at /manage/mail.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, formatdate, make_msgid, parseaddr

from flask import current_app, render_template
from flask_babel import force_locale

from festa.outbox.mail_content import TOPICS, mail_content
from festa.outbox.models import OutboxKind, OutboxMessage
from festa.outbox.services import DeliveryError, enqueue, register_deliverer

QR_CID_DOMAIN = "festa.qr"
# 7-bit transfer encoding (base64 / quoted-printable for Korean): any SMTP server takes it.
MAIL_POLICY = SMTP.clone(cte_type="7bit")


def _mail_domain() -> str:
    host = current_app.config["FESTA_BASE_URL"].split("://", 1)[-1].split("/", 1)[0]
    return host.split(":", 1)[0] or "localhost"


def build_message(recipient: str, name: str, content: dict) -> EmailMessage:
    """A multipart message: text and HTML alternatives, inline QR, attachments."""
    msg = EmailMessage(policy=MAIL_POLICY)
    msg["Subject"] = content["subject"]
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = formataddr((name, recipient)) if name else recipient
    msg["Date"] = formatdate(localtime=False)
    # Stored with the row: every retry carries the same id, so receivers can drop duplicates.
    msg["Message-ID"] = make_msgid(idstring="festa", domain=_mail_domain())
    msg["Auto-Submitted"] = "auto-generated"
    qr_cid = make_msgid(idstring="qr", domain=QR_CID_DOMAIN) if content.get("qr_png") else None
    msg.set_content(render_template("mail/message.txt", **content))
    msg.add_alternative(
        render_template("mail/message.html", qr_cid=qr_cid and qr_cid[1:-1], **content),
        subtype="html",
    )
    if qr_cid:
        html_part = msg.get_payload()[1]
        html_part.add_related(content["qr_png"], "image", "png", cid=qr_cid,
                              filename="ticket-qr.png")
        msg.add_attachment(content["qr_png"], maintype="image", subtype="png",
                           filename="ticket-qr.png")
    if content.get("ics"):
        msg.add_attachment(content["ics"].decode("utf-8"), subtype="calendar",
                           filename="festa.ics", params={"method": "PUBLISH"})
    msg["Content-Language"] = content["lang"]  # after the body: set_content drops Content-*
    return msg


def queue_registration_mail(registration, topic: str, session=None) -> OutboxMessage:
    """Queue mail about a registration (`topic` in TOPICS) in the attendee's language.

    Added to the current transaction: the caller's commit sends it, its rollback drops it.
    `session` names the programme session for session_promoted / session_waitlisted.
    """
    if topic not in TOPICS:
        raise ValueError(f"unknown mail topic {topic!r}")
    lang = registration.locale if registration.locale in ("ko", "en") else "ko"
    with force_locale(lang):
        content = mail_content(registration, topic, session, lang)
        msg = build_message(registration.email, registration.name, content)
    return enqueue(
        OutboxKind.MAIL, topic, registration.email, msg.as_bytes(policy=MAIL_POLICY),
        subject=content["subject"], event_id=registration.event_id,
        registration_id=registration.id,
    )


def send_mail(message: OutboxMessage) -> None:
    """Deliver one stored message over SMTP (the outbox's "mail" deliverer)."""
    config = current_app.config
    sender = parseaddr(config["MAIL_FROM"])[1] or "festa@localhost"
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"],
                          timeout=config.get("MAIL_TIMEOUT", 30)) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.sendmail(sender, [message.recipient], message.payload)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _text in error.recipients.values()]
        # 5xx: the address is refused for good; 4xx: try again later.
        raise DeliveryError(f"recipient refused: {codes}",
                            permanent=all(code >= 500 for code in codes)) from error


def mail_enabled() -> bool:
    """Mail leaves the outbox only while an SMTP server is configured."""
    return bool(current_app.config.get("MAIL_SERVER"))


register_deliverer(OutboxKind.MAIL, send_mail, enabled=mail_enabled)
