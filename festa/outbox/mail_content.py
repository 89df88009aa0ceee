"""What each registration mail says, in the current (forced) language.

One generic pair of templates (templates/mail/message.{txt,html}) renders the dict
built here: a subject, a heading, paragraphs, the event's facts, the reserved
sessions, and which links and attachments go with it.
"""

from __future__ import annotations

from flask_babel import gettext as _

from festa.i18n import localized
from festa.tickets.models import TicketStatus
from festa.tickets.presenters import event_facts, session_line

TOPICS = (
    "confirmation", "waitlisted", "promoted", "session_promoted", "session_waitlisted",
    "cancelled", "manage_link", "ticket_revoked",
)
# Topics whose mail carries the ticket (QR inline and attached) and the calendar file.
TICKET_TOPICS = {"confirmation", "promoted"}
CALENDAR_TOPICS = {"confirmation", "promoted", "session_promoted"}


def manage_link(registration) -> str:
    """The attendee's self-service link (imported here: registration imports this module)."""
    from festa.registration.services import manage_url

    return manage_url(registration)


def waitlist_position(registration, session=None) -> int | None:
    from festa.registration.services import waitlist_position as position

    return position(registration, session)


def _paragraphs(topic: str, registration, session, event_name: str) -> tuple[str, str, list]:
    """(subject, heading, paragraphs) for a topic."""
    names = {"event": event_name, "session": localized(session, "title") if session else ""}
    if topic in {"waitlisted", "session_promoted", "session_waitlisted"}:
        return _waitlist_paragraphs(topic, registration, session, names)
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


def mail_content(registration, topic: str, session, lang: str) -> dict:
    """Everything the mail templates need (call inside force_locale(lang))."""
    from festa.tickets.calendar import ticket_calendar
    from festa.tickets.qr import qr_png
    from festa.tickets.services import reserved_sessions, ticket_links

    event = registration.event
    event_name = localized(event, "name")
    subject, heading, paragraphs = _paragraphs(topic, registration, session, event_name)
    ticket = registration.ticket
    usable = ticket is not None and ticket.status == TicketStatus.VALID
    content = {
        "lang": lang, "topic": topic, "subject": subject, "heading": heading,
        "paragraphs": paragraphs, "greeting": _("Hello %(name)s,", name=registration.name),
        **event_facts(event),
        "sessions": [session_line(s) for s in reserved_sessions(registration)],
        "ticket_url": None, "manage_url": None, "qr_png": None, "ics": None,
        "signature": _("The AI Seoul Festa team"),
    }
    if usable and topic in TICKET_TOPICS | CALENDAR_TOPICS:
        content["ticket_url"] = ticket_links(ticket)["url"]
        content["ics"] = ticket_calendar(ticket)
    if usable and topic in TICKET_TOPICS:
        content["qr_png"] = qr_png(ticket.code)
    if topic not in {"cancelled", "ticket_revoked"}:
        content["manage_url"] = manage_link(registration)
    return content
