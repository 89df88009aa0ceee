"""Structured data for search engines and link previews: schema.org JSON-LD, Open Graph.

Templates include `opendata/_jsonld_event.html` or `opendata/_jsonld_session.html` in their
`head` block; these call the functions below (template globals). JSON-LD goes in a
`<script type="application/ld+json">` data block, which browsers never execute.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Flask, url_for
from flask_babel import gettext as _

from festa.i18n import current_language, language_codes, localized, speaker_name
from festa.opendata.calendars import agenda_url
from festa.program import queries
from festa.program.models import Event, Session

SCHEMA = "https://schema.org"
OG_LOCALES = {"ko": "ko_KR", "en": "en_US"}


def _place(event: Event) -> dict[str, Any]:
    venue = event.venue
    place: dict[str, Any] = {"@type": "Place", "name": localized(venue, "name") if venue else ""}
    address = localized(venue, "address") if venue else ""
    postal: dict[str, Any] = {"@type": "PostalAddress"}
    if address:
        postal["streetAddress"] = address
    if event.country:
        postal["addressCountry"] = event.country
    if len(postal) > 1:  # an address that says nothing is left out, not sent empty
        place["address"] = postal
    return place


def _offer(event: Event) -> dict[str, Any]:
    full = event.capacity is not None and event.seats_taken >= event.capacity
    offer = {
        "@type": "Offer", "price": 0,
        **({"priceCurrency": event.currency} if event.currency else {}),
        "url": queries.absolute_url(f"/events/{event.slug}/register"),
        "availability": f"{SCHEMA}/{'SoldOut' if full else 'InStock'}",
    }
    if event.registration_opens_at:
        offer["validFrom"] = event.registration_opens_at.isoformat()
    return offer


def event_jsonld(event: Event) -> dict[str, Any]:
    """schema.org Event for an event page (free registration as an Offer)."""
    start, end = queries.event_bounds(event)
    return {
        "@context": SCHEMA,
        "@type": "Event",
        "name": localized(event, "name"),
        "description": localized(event, "description"),
        "startDate": start.isoformat(),
        "endDate": end.isoformat(),
        "eventStatus": f"{SCHEMA}/EventScheduled",
        "eventAttendanceMode": f"{SCHEMA}/OfflineEventAttendanceMode",
        "location": _place(event),
        "url": queries.absolute_url(f"/events/{event.slug}/"),
        "inLanguage": current_language(),
        "isAccessibleForFree": True,
        "offers": _offer(event),
        # The event's own facts: an imported Berlin conference is not Seoul's.
        **({"organizer": _organizer(event)} if localized(event, "organizer_name") else {}),
    }


def _organizer(event: Event) -> dict[str, Any]:
    organizer = {"@type": "Organization", "name": localized(event, "organizer_name")}
    if event.organizer_url:
        organizer["url"] = event.organizer_url
    return organizer


def session_jsonld(session: Session) -> dict[str, Any]:
    """schema.org Event for a session page, part of its event (`superEvent`)."""
    event = session.event
    location = _place(event)
    if session.room:
        location["name"] = ", ".join(p for p in (localized(session.room, "name"),
                                                 location["name"]) if p)
    status = "EventCancelled" if session.cancelled else "EventScheduled"
    data = {
        "@context": SCHEMA,
        "@type": "Event",
        "name": localized(session, "title"),
        "description": localized(session, "abstract"),
        "startDate": session.starts_at.astimezone(ZoneInfo(event.timezone)).isoformat(),
        "endDate": session.ends_at.astimezone(ZoneInfo(event.timezone)).isoformat(),
        "eventStatus": f"{SCHEMA}/{status}",
        "eventAttendanceMode": f"{SCHEMA}/OfflineEventAttendanceMode",
        "location": location,
        "url": queries.absolute_url(f"/events/{event.slug}/sessions/{session.id}"),
        "inLanguage": language_codes(session.language)[0],
        "superEvent": {"@type": "Event", "name": localized(event, "name"),
                       "url": queries.absolute_url(f"/events/{event.slug}/")},
        "performer": [{"@type": "Person", "name": speaker_name(role.speaker)}
                      for role in session.speaker_roles],
    }
    if session.track:
        data["about"] = localized(session.track, "name")
    return data


def site_image() -> str:
    """The site's icon (512 px square), the link-preview image of a page that has none."""
    return queries.absolute_url(url_for("static", filename="icons/festa-512.png"))


def session_image(session: Session) -> str:
    """A speaker's photo (the first with a web address), else the site's icon."""
    photos = (role.speaker.photo_url for role in session.speaker_roles)
    return next((url for url in photos if urlsplit(url).scheme in ("http", "https")),
                site_image())


def open_graph(title: str, description: str, url: str, image: str = ""
               ) -> list[tuple[str, str]]:
    """(property, content) pairs of the Open Graph tags for a page."""
    lang = current_language()
    # The site's name as its pages' titles write it (base.html), in the page's language.
    pairs = [("og:type", "website"), ("og:site_name", _("AI Seoul Festa")), ("og:title", title),
             ("og:url", url), ("og:locale", OG_LOCALES.get(lang, "ko_KR"))]
    pairs += [("og:locale:alternate", code) for key, code in OG_LOCALES.items() if key != lang]
    if description:
        pairs.append(("og:description", " ".join(description.split())[:300]))
    if image:
        pairs.append(("og:image", image))
    return pairs


def init_app(app: Flask) -> None:
    app.add_template_global(event_jsonld)
    app.add_template_global(session_jsonld)
    app.add_template_global(open_graph)
    app.add_template_global(site_image)
    app.add_template_global(session_image)
    app.add_template_global(agenda_url, "agenda_feed_url")
