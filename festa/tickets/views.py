"""Ticket pages, QR images and the ticket's calendar file.

The code in the URL is the credential: anything forged, malformed or unknown is a plain
404, and responses that show the attendee's name are never stored by shared caches.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request

from festa.tickets import qr
from festa.tickets.calendar import ticket_calendar
from festa.tickets.models import Ticket
from festa.tickets.presenters import ticket_view
from festa.tickets.services import ticket_state, verified_ticket

bp = Blueprint("tickets", __name__)

IMMUTABLE = 365 * 24 * 3600


def _ticket_or_404(code: str) -> Ticket:
    ticket = verified_ticket(code)
    if ticket is None:
        abort(404)
    return ticket


def _private(response: Response) -> Response:
    """Personal data: no shared caches, no search engines, and the secret URL never leaks
    to other sites through the Referer header."""
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/tickets/<code>")
def ticket_page(code: str):
    """The attendee's ticket: a large QR to show at the door, who, what, when and where.
    A code that is not a ticket gets a page that says so and offers the links again."""
    ticket = verified_ticket(code)
    if ticket is None:
        html = render_template("tickets/not_found.html")
        return _private(Response(html, status=404, mimetype="text/html"))
    state = ticket_state(ticket)
    html = render_template("tickets/ticket.html", ticket=ticket, state=state,
                           view=ticket_view(ticket))
    return _private(Response(html, mimetype="text/html"))


def _qr_response(code: str, fmt: str) -> Response:
    """An image that never changes: immutable caching, ETag for revalidation."""
    ticket = _ticket_or_404(code)
    if fmt == "png":
        body, mimetype = qr.qr_png(ticket.code), "image/png"
    else:
        body, mimetype = qr.qr_svg(ticket.code), "image/svg+xml"
    response = Response(body, mimetype=mimetype)
    response.set_etag(qr.etag_for(ticket.code, fmt))
    response.headers["Cache-Control"] = f"public, max-age={IMMUTABLE}, immutable"
    response.headers["X-Robots-Tag"] = "noindex"
    return response.make_conditional(request)


@bp.get("/tickets/<code>/qr.png")
def qr_png(code: str):
    """The ticket's QR code as PNG (encodes exactly the code)."""
    return _qr_response(code, "png")


@bp.get("/tickets/<code>/qr.svg")
def qr_svg(code: str):
    """The ticket's QR code as SVG (encodes exactly the code)."""
    return _qr_response(code, "svg")


@bp.get("/tickets/<code>/calendar.ics")
def ticket_ics(code: str):
    """The event and the reserved sessions as an iCalendar file, in the attendee's language."""
    ticket = _ticket_or_404(code)
    response = Response(ticket_calendar(ticket), mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'attachment; filename="festa-ticket.ics"'
    return _private(response)
