"""Mail through the outbox: MIME messages stored when queued, sent over SMTP later.

The whole message (text and HTML parts, inline images, attachments) is stored in the
outbox row once rendered, so a retry sends exactly the same bytes with the same
Message-ID, and organizers can read every message at /manage/mail. What a message says is
the business of the area that queues it (e.g. festa.registration.mail); this module knows
no area.
"""

from __future__ import annotations

import smtplib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, formatdate, make_msgid, parseaddr

import idna
from flask import Flask, current_app

from festa.outbox.models import OutboxKind, OutboxMessage
from festa.outbox.services import DeliveryError, Rendered, register_deliverer

INLINE_CID_DOMAIN = "festa.qr"
# 7-bit transfer encoding (base64 / quoted-printable for Korean): any SMTP server takes it.
MAIL_POLICY = SMTP.clone(cte_type="7bit")


@dataclass(frozen=True)
class MailPart:
    """An attachment or inline image: bytes (any type) or text (a text/* subtype)."""

    data: bytes | str
    maintype: str
    subtype: str
    filename: str
    params: dict = field(default_factory=dict)


def envelope_address(address: str) -> tuple[str, bool]:
    """The address as SMTP carries it, and whether that needs SMTPUTF8 (RFC 6531).

    An internationalised domain (user@한국.kr) travels IDNA-encoded (user@xn--3e0b707e.kr),
    which every server takes; only a non-ASCII local part (사용자@한국.kr) needs SMTPUTF8."""
    local, _at, domain = address.rpartition("@")
    if not domain.isascii():
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except idna.IDNAError:
            return address, True
    return f"{local}@{domain}", not local.isascii()


def _display_name(name: str) -> str:
    """A name fit for a header: line breaks and other control characters dropped (they
    would end the header), whatever older rows hold."""
    return "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cs", "Zl", "Zp"))


def _to_header(name: str, address: str) -> str:
    if address.isascii():
        return formataddr((name, address)) if name else address
    # SMTPUTF8: the header is raw UTF-8 (email.headerregistry.Address refuses a non-ASCII
    # local part, which RFC 6532 allows).
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{quoted}" <{address}>' if name else address


def _mail_domain() -> str:
    host = current_app.config["FESTA_BASE_URL"].split("://", 1)[-1].split("/", 1)[0]
    return host.split(":", 1)[0] or "localhost"


def content_id(name: str) -> str:
    """A fresh Content-ID ('<…>') for a part the HTML shows as cid:… (without the <>)."""
    return make_msgid(idstring=name, domain=INLINE_CID_DOMAIN)


def _attach(msg: EmailMessage, part: MailPart) -> None:
    if isinstance(part.data, str):
        msg.add_attachment(part.data, subtype=part.subtype, filename=part.filename,
                           params=part.params)
    else:
        msg.add_attachment(part.data, maintype=part.maintype, subtype=part.subtype,
                           filename=part.filename)


def build_message(recipient: str, name: str, *, subject: str, lang: str, text: str,
                  html: str, inline: Mapping[str, MailPart] | None = None,
                  attachments: Sequence[MailPart] = ()) -> EmailMessage:
    """A multipart message: text and HTML alternatives, images the HTML shows inline
    (`inline`: Content-ID → part), then attachments."""
    msg = EmailMessage(policy=MAIL_POLICY)
    msg["Subject"] = subject
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = _to_header(_display_name(name or ""), envelope_address(recipient)[0])
    msg["Date"] = formatdate(localtime=False)
    # Stored with the row: every retry carries the same id, so receivers can drop duplicates.
    msg["Message-ID"] = make_msgid(idstring="festa", domain=_mail_domain())
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    html_part = msg.get_payload()[1]
    for cid, part in (inline or {}).items():
        html_part.add_related(part.data, part.maintype, part.subtype, cid=cid,
                              filename=part.filename)
    for part in attachments:
        _attach(msg, part)
    msg["Content-Language"] = lang  # after the body: set_content drops Content-*
    return msg


def rendered_mail(message: EmailMessage) -> Rendered:
    """What the outbox stores for a mail: its bytes and subject. A non-ASCII local part
    (사용자@한국.kr) stays UTF-8 in the headers; it is sent with SMTPUTF8."""
    utf8 = not all(a.addr_spec.isascii() for a in message["To"].addresses)
    policy = MAIL_POLICY.clone(utf8=True) if utf8 else MAIL_POLICY
    return Rendered(message.as_bytes(policy=policy), str(message["Subject"] or ""))


def send_mail(message: OutboxMessage) -> None:
    """Deliver one stored message over SMTP (the outbox's "mail" deliverer)."""
    config = current_app.config
    sender = parseaddr(config["MAIL_FROM"])[1] or "festa@localhost"
    recipient, needs_utf8 = envelope_address(message.recipient)
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"],
                          timeout=config.get("MAIL_TIMEOUT", 30)) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            options = []
            if needs_utf8:
                smtp.ehlo_or_helo_if_needed()
                if not smtp.has_extn("smtputf8"):
                    raise DeliveryError("the mail server cannot deliver to an address with "
                                        "non-ASCII characters before the @ (no SMTPUTF8)",
                                        permanent=True)
                options.append("SMTPUTF8")
            smtp.sendmail(sender, [recipient], bytes(message.payload), mail_options=options)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _text in error.recipients.values()]
        # 5xx: the address is refused for good; 4xx: try again later.
        raise DeliveryError(f"recipient refused: {codes}",
                            permanent=all(code >= 500 for code in codes)) from error


def mail_enabled() -> bool:
    """Mail leaves the outbox only while an SMTP server is configured."""
    return bool(current_app.config.get("MAIL_SERVER"))


def init_app(app: Flask) -> None:
    """Make mail a kind the outbox delivers (while MAIL_SERVER is set)."""
    register_deliverer(OutboxKind.MAIL, send_mail, enabled=mail_enabled)
