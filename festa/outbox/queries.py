"""Reading the outbox for organizers: mail by status, newest first, and one message's parts."""

from __future__ import annotations

import base64
import email
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy

import sqlalchemy as sa

from festa.extensions import db
from festa.outbox.models import OutboxKind, OutboxMessage, OutboxStatus
from festa.outbox.services import DeliveryError, rendered

PER_PAGE = 50
STATUSES = tuple(OutboxStatus)


def mail_page(status: str | None, page: int = 1,
              scope: sa.ColumnElement[bool] | None = None):
    """A Flask-SQLAlchemy pagination of mail messages, optionally of one status; `scope`
    keeps only the messages a reader may see."""
    query = sa.select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.MAIL,
                                           scope if scope is not None else sa.true())
    if status in STATUSES:
        query = query.where(OutboxMessage.status == status)
    query = query.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    return db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)


def status_counts(scope: sa.ColumnElement[bool] | None = None) -> dict[str, int]:
    """{status: number of mail messages} for every status (zeros included)."""
    rows = db.session.execute(
        sa.select(OutboxMessage.status, sa.func.count(OutboxMessage.id))
        .where(OutboxMessage.kind == OutboxKind.MAIL,
               scope if scope is not None else sa.true())
        .group_by(OutboxMessage.status)
    ).all()
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({status: count for status, count in rows})
    return counts


@dataclass
class Attachment:
    index: int
    filename: str
    content_type: str
    size: int


@dataclass
class ParsedMail:
    headers: dict[str, str]
    text: str
    html: str | None
    attachments: list[Attachment] = field(default_factory=list)


def parse(message: OutboxMessage) -> EmailMessage:
    """The stored mail; one not rendered yet as it would be rendered now (nothing is kept:
    the worker renders it when it sends it)."""
    try:
        payload = rendered(message).payload
    except DeliveryError:  # nothing to render from any more (it will fail when sent)
        return EmailMessage(policy=default_policy)
    return email.message_from_bytes(payload, policy=default_policy)


def attachment_parts(msg: EmailMessage) -> list[EmailMessage]:
    return [part for part in msg.iter_attachments()]


def read_mail(message: OutboxMessage) -> ParsedMail:
    """Headers, text part, HTML part and attachments of a stored mail."""
    msg = parse(message)
    text_part = msg.get_body(preferencelist=("plain",))
    html_part = msg.get_body(preferencelist=("html",))
    headers = {name: str(msg[name]) for name in ("From", "To", "Subject", "Date", "Message-ID")
               if msg[name]}
    attachments = [
        Attachment(index, part.get_filename() or f"part-{index}", part.get_content_type(),
                   len(part.get_payload(decode=True) or b""))
        for index, part in enumerate(attachment_parts(msg))
    ]
    return ParsedMail(
        headers=headers,
        text=text_part.get_content() if text_part is not None else "",
        html=html_part.get_content() if html_part is not None else None,
        attachments=attachments,
    )


def html_with_inline_images(message: OutboxMessage) -> str | None:
    """The HTML part with cid: images replaced by data: URIs, to show it in the browser."""
    msg = parse(message)
    html_part = msg.get_body(preferencelist=("html",))
    if html_part is None:
        return None
    html = html_part.get_content()
    for part in msg.walk():
        cid = part.get("Content-ID")
        if cid and part.get_content_maintype() == "image":
            data = base64.b64encode(part.get_payload(decode=True)).decode("ascii")
            html = html.replace(f"cid:{cid.strip('<>')}",
                                f"data:{part.get_content_type()};base64,{data}")
    return html


def attachment(message: OutboxMessage, index: int) -> tuple[str, str, bytes] | None:
    """(filename, content type, bytes) of the index-th attachment, if there is one."""
    parts = attachment_parts(parse(message))
    if not 0 <= index < len(parts):
        return None
    part = parts[index]
    return (part.get_filename() or f"part-{index}", part.get_content_type(),
            part.get_payload(decode=True) or b"")
