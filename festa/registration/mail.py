"""Mail to attendees about their registration, in their language.

The registration's transaction only queues a row naming the registration and the topic.
After the commit, the outbox worker renders it from the database (`render_registration_mail`)
and keeps the whole MIME message (the ticket's QR inline and attached, the .ics) in the row,
so a retry sends the same bytes; festa.outbox.mail sends it over SMTP.

One pair of templates (templates/mail/message.{txt,html}) renders the dict built here: a
subject, a heading, paragraphs, the event's facts, the reserved sessions, and which links
and attachments go with it.
"""

from __future__ import annotations

from email.message import EmailMessage
from functools import cache

import sqlalchemy as sa
from flask import Flask, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from festa.extensions import db
from festa.i18n import localized
from festa.outbox.mail import MailPart, build_message, content_id, rendered_mail
from festa.outbox.models import OutboxKind, OutboxMessage
from festa.outbox.services import DeliveryError, Rendered, enqueue, register_renderer
from festa.program.models import Event, Session, SessionSpeaker
from festa.program.programme_version import version_column
from festa.registration.models import Registration, Reservation
from festa.registration.tokens import manage_url
from festa.registration.waitlist import waitlist_position
from festa.tickets.calendar import ticket_calendar
from festa.tickets.models import TicketStatus
from festa.tickets.presenters import event_facts, session_line
from festa.tickets.qr import qr_png
from festa.tickets.services import ticket_links

TOPICS = (
    "confirmation", "waitlisted", "promoted", "session_promoted", "session_waitlisted",
    "cancelled", "manage_link", "ticket_revoked", "session_moved",
)
# Topics whose mail carries the ticket (QR inline and attached) and the calendar file.
TICKET_TOPICS = {"confirmation", "promoted"}
CALENDAR_TOPICS = {"confirmation", "promoted", "session_promoted", "session_moved"}


def _paragraphs(topic: str, registration, session, event_name: str) -> tuple[str, str, list]:
    """(subject, heading, paragraphs) for a topic."""
    names = {"event": event_name, "session": localized(session, "title") if session else ""}
    if topic in {"waitlisted", "session_promoted", "session_waitlisted"}:
        return _waitlist_paragraphs(topic, registration, session, names)
    if topic == "session_moved":
        return _moved_paragraphs(session, names)
    if topic == "confirmation":
        return (_("Your ticket for %(event)s", **names), _("You are registered"),
                [_("Your registration for %(event)s is confirmed. Show the QR code below "
                   "at the entrance, on your phone or printed.", **names)])
    if topic == "promoted":
        return (_("A seat opened up: your ticket for %(event)s", **names),
                _("You are off the waitlist"),
                [_("Good news: a seat opened up and your registration for %(event)s is now "
                   "confirmed. Here is your ticket.", **names)])
    if topic == "cancelled":
        return (_("Your registration for %(event)s is cancelled", **names),
                _("Registration cancelled"),
                [_("Your registration for %(event)s has been cancelled and your ticket no "
                   "longer works. We hope to see you at another event.", **names)])
    if topic == "manage_link":
        return (_("Your link to manage your registration for %(event)s", **names),
                _("Manage your registration"),
                [_("Use the button below to see your ticket, change your session "
                   "reservations or cancel. Keep this link to yourself.")])
    return (_("Your ticket for %(event)s has been revoked", **names), _("Ticket revoked"),
            [_("Your ticket for %(event)s has been revoked by the organizers and can no "
               "longer be used to enter. If you think this is a mistake, please reply to "
               "this e-mail.", **names)])


def _moved_paragraphs(session, names: dict) -> tuple[str, str, list]:
    """A session the attendee holds a seat in got a new time or room."""
    line = session_line(session)
    where = {"day": line["day"], "time": line["time"], "room": line["room"] or "–"}
    return (_("New time or room: %(session)s", **names), _("Your session has moved"),
            [_("%(session)s, where you hold a seat, has moved. It now takes place on "
               "%(day)s, %(time)s, in %(room)s.", **names, **where),
             _("Your seat is kept. Your calendar and agenda feed show the new time.")])


def _waitlist_paragraphs(topic: str, registration, session, names: dict) -> tuple[str, str, list]:
    """Waiting for the event or a session, or a session seat that opened up."""
    if topic == "waitlisted":
        position = waitlist_position(registration)
        return (_("You are on the waitlist for %(event)s", **names), _("You are on the waitlist"),
                [_("%(event)s is full at the moment, so we put you on the waitlist.", **names),
                 _("Your place on the waitlist: %(position)s.", position=position or "–"),
                 _("If a seat opens up you are registered automatically and we send your "
                   "ticket by e-mail.")])
    if topic == "session_promoted":
        return (_("You have a seat in %(session)s", **names), _("Your seat is confirmed"),
                [_("A seat opened up in %(session)s and it is now reserved for you.", **names)])
    position = waitlist_position(registration, session)
    return (_("You are on the waitlist for %(session)s", **names),
            _("You are on the waitlist"),
            [_("%(session)s is full, so we put you on its waitlist.", **names),
             _("Your place on the waitlist: %(position)s.", position=position or "–"),
             _("If a seat opens up it is reserved for you automatically and we let you "
               "know.")])


def mail_content(registration, topic: str, session, lang: str,
                 programme_version: int | None = None) -> dict:
    """Everything the mail templates need (call inside force_locale(lang)); the event's
    programme version, when read with the registration, spares the calendar a query."""
    event = registration.event
    event_name = localized(event, "name")
    subject, heading, paragraphs = _paragraphs(topic, registration, session, event_name)
    ticket = registration.ticket
    usable = ticket is not None and ticket.status == TicketStatus.VALID
    content = {
        "lang": lang, "topic": topic, "subject": subject, "heading": heading,
        "paragraphs": paragraphs, "greeting": _("Hello %(name)s,", name=registration.name),
        **event_facts(event),
        "sessions": [session_line(s) for s in registration.confirmed_sessions()],
        "ticket_url": None, "manage_url": None, "qr_png": None, "ics": None,
        "signature": _("The AI Seoul Festa team"),
    }
    if usable and topic in TICKET_TOPICS | CALENDAR_TOPICS:
        content["ticket_url"] = ticket_links(ticket)["url"]
        content["ics"] = ticket_calendar(ticket, programme_version=programme_version)
    if usable and topic in TICKET_TOPICS:
        content["qr_png"] = qr_png(ticket.code)
    if topic not in {"cancelled", "ticket_revoked"}:
        content["manage_url"] = manage_url(registration)
    return content


def build_registration_message(registration: Registration, recipient: str,
                               content: dict) -> EmailMessage:
    """The MIME message: text and HTML, the QR inline and attached, the calendar file."""
    qr_cid = content_id("qr") if content["qr_png"] else None
    qr = MailPart(content["qr_png"], "image", "png", "ticket-qr.png") if qr_cid else None
    attachments = [qr] if qr else []
    if content["ics"]:
        attachments.append(MailPart(content["ics"].decode("utf-8"), "text", "calendar",
                                    "festa.ics", {"method": "PUBLISH"}))
    return build_message(
        recipient, registration.name, subject=content["subject"],
        lang=content["lang"], text=render_template("mail/message.txt", **content),
        html=render_template("mail/message.html", qr_cid=qr_cid and qr_cid[1:-1], **content),
        inline={qr_cid: qr} if qr else {}, attachments=attachments,
    )


def queue_registration_mail(registration: Registration, topic: str,
                            session: Session | None = None) -> OutboxMessage:
    """Queue mail about a registration (`topic` in TOPICS): a row holding ids only.

    Added to the current transaction: the caller's commit sends it, its rollback drops it.
    The outbox worker renders it after the commit (`render_registration_mail`), so the
    request pays for one INSERT, not for the QR code and the calendar. `session` names the
    programme session for session_promoted / session_waitlisted.
    """
    if topic not in TOPICS:
        raise ValueError(f"unknown mail topic {topic!r}")
    return enqueue(OutboxKind.MAIL, topic, registration.email, event_id=registration.event_id,
                   registration_id=registration.id,
                   params={"session_id": session.id} if session is not None else None)


# Everything a mail shows of a registration: joined in, the event and its venue, the
# ticket and the reservations; then, only for a registration holding some, their sessions
# with rooms and tracks, and the sessions' speakers (a session's event is the
# registration's, already loaded). Few tables per statement: PostgreSQL plans each one
# anew (psycopg forgets its prepared statements at every rollback), and planning a join of
# ten tables cost more than two short statements. Made on first use: options name mapped
# attributes, which must not configure the mappers while the app's models are imported.
@cache
def _mail_load() -> tuple:
    return (
        joinedload(Registration.event).joinedload(Event.venue),
        joinedload(Registration.ticket),
        joinedload(Registration.reservations).selectinload(Reservation.session).options(
            joinedload(Session.room), joinedload(Session.track),
            selectinload(Session.speaker_roles).joinedload(SessionSpeaker.speaker)),
    )


def _registration_for_mail(registration_id: int) -> tuple[Registration | None, int | None]:
    """The registration with all its mail shows, and its event's programme version: one
    statement, three when the registration holds seats in sessions, whatever the event's
    size."""
    row = db.session.execute(
        sa.select(Registration, version_column(Registration.event_id))
        .where(Registration.id == registration_id).options(*_mail_load())
        .execution_options(populate_existing=True)
    ).unique().first()
    return (row[0], row[1]) if row is not None else (None, None)


def render_registration_mail(message: OutboxMessage) -> Rendered:
    """The whole mail of a queued row, from the database as it is now, in the attendee's
    language (the outbox's renderer for registration topics)."""
    registration, version = (_registration_for_mail(message.registration_id)
                             if message.registration_id else (None, None))
    if registration is None:
        raise DeliveryError("the registration no longer exists", permanent=True)
    session_id = (message.params or {}).get("session_id")
    session = db.session.get(Session, session_id) if session_id else None
    lang = registration.locale if registration.locale in ("ko", "en") else "ko"
    with force_locale(lang):
        content = mail_content(registration, message.topic, session, lang, version)
        return rendered_mail(build_registration_message(registration, message.recipient,
                                                        content))


def init_app(app: Flask) -> None:
    """Let the outbox render registration mail queued with ids only."""
    register_renderer(OutboxKind.MAIL, TOPICS, render_registration_mail)
