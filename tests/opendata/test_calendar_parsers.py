"""Festa's calendars as other clients read them (issue 11, item 4): the schedule feed, an
attendee's agenda feed and the ticket's `.ics`, parsed by icalendar, vobject and ical.js
(many web calendars; run in Node), for Asia/Seoul and for Europe/Berlin with sessions on
both sides of the end of daylight saving and one across it. Every start and end each
parser reads is compared with the JSON API's.

vobject and ical.js take the zone from the file's VTIMEZONE alone; both read only the first
date of a comma-separated RDATE, so with the transitions joined in one RDATE again these
tests see the wrong hour on one side of the change.
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject

from festa.extensions import db
from festa.registration.models import Bookmark, Reservation
from tests.factories import make_event, make_registration, make_room, make_session, make_ticket

ROOT = Path(__file__).resolve().parents[2]
ICALJS = ROOT / "node_modules" / "ical.js"
READER = Path(__file__).with_name("icaljs_times.mjs")
# Friday to Monday around the night daylight saving ends in Europe (31 October 2027).
DAYS = (date(2027, 10, 29), date(2027, 11, 1))
# (day, start, minutes): a day without programme, sessions before, across and after the
# change (01:30 summer time to 04:00 winter time is three and a half hours), one in the
# repeated hour (02:30 the second time, winter time: fold=1), a cancelled one.
SESSIONS = ((1, time(10, 0), 60), (1, time(23, 0), 90), (2, time(1, 30), 210),
            (2, time(10, 0), 45), (3, time(9, 0), 30), (3, time(11, 0), 60),
            (2, time(2, 30, fold=1), 20))
CANCELLED = 4

Moment = tuple[str, object]  # ("utc", aware datetime) or ("date", date)


# ------------------------------------------------------------------------------- parsers


def _moment(value: date | datetime) -> Moment:
    if isinstance(value, datetime):
        assert value.tzinfo is not None, "a floating time: the zone was not understood"
        return ("utc", value.astimezone(UTC))
    return ("date", value)


def read_icalendar(data: bytes) -> dict[str, tuple[Moment, Moment]]:
    cal = icalendar.Calendar.from_ical(data)
    return {str(e["UID"]): (_moment(e.start), _moment(e.end)) for e in cal.events}


def read_vobject(data: bytes) -> dict[str, tuple[Moment, Moment]]:
    # vobject keeps the first VTIMEZONE it saw for a TZID for the whole process; forget
    # them so this file's own VTIMEZONE is the one read.
    zones = vars(vobject.icalendar)["__tzidMap"]
    for tzid in [key for key in zones if key != "UTC"]:
        del zones[tzid]
    cal = vobject.readOne(data.decode())
    return {e.uid.value: (_moment(e.dtstart.value), _moment(e.dtend.value))
            for e in cal.vevent_list}


def read_icaljs(data: bytes) -> dict[str, tuple[Moment, Moment]]:
    assert ICALJS.is_dir(), "ical.js is missing: run `make assets` (npm install)"
    done = subprocess.run(["node", str(READER)], input=data, capture_output=True, cwd=ROOT,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr.decode()

    def moment(value: dict) -> Moment:
        if "date" in value:
            return ("date", date.fromisoformat(value["date"]))
        return ("utc", datetime.fromisoformat(value["utc"].replace("Z", "+00:00")))

    return {e["uid"]: (moment(e["start"]), moment(e["end"]))
            for e in json.loads(done.stdout)}


PARSERS = {"icalendar": read_icalendar, "vobject": read_vobject, "ical.js": read_icaljs}


# ------------------------------------------------------------------------------- the event


@pytest.fixture(params=["Asia/Seoul", "Europe/Berlin"])
def festival(request, app):
    """A published four-day event in the zone, an attendee with a reserved workshop, a
    bookmark and a waitlisted session, and their ticket."""
    zone = ZoneInfo(request.param)
    event = make_event(slug="parsers", timezone=request.param, start_date=DAYS[0],
                       end_date=DAYS[1], registration_opens_at=None,
                       registration_closes_at=None)
    room = make_room(event.venue, name_en="Hall", name_ko="홀")
    # In UTC: aware arithmetic in the zone itself is wall-clock time (and forgets fold).
    sessions = [make_session(event, room, minutes=minutes, cancelled=n == CANCELLED,
                             start=datetime.combine(DAYS[0] + timedelta(days=day), at,
                                                    zone).astimezone(UTC),
                             capacity=20, reservation_required=True)
                for n, (day, at, minutes) in enumerate(SESSIONS)]
    registration = make_registration(event, [sessions[2], sessions[3]])
    db.session.add(Bookmark(registration_id=registration.id, session_id=sessions[0].id))
    db.session.add(Reservation(registration=registration, session=sessions[5],
                               status="waitlisted", waitlisted_at=datetime.now(zone)))
    ticket = make_ticket(registration)
    db.session.commit()
    return event, sessions, registration, ticket


def _api_times(client) -> dict[int, dict]:
    response = client.get("/api/v1/events/parsers/sessions")
    assert response.status_code == 200
    return {s["id"]: s for s in response.get_json()}


def _utc(text: str) -> Moment:
    return ("utc", datetime.fromisoformat(text).astimezone(UTC))


def _expected_sessions(api: dict[int, dict], ids) -> dict[str, tuple[Moment, Moment]]:
    return {f"session-{i}@127.0.0.1": (_utc(api[i]["start"]), _utc(api[i]["end"]))
            for i in ids}


def _expected_days(api: dict[int, dict], ticket_id: int, zone: ZoneInfo) -> dict:
    """One entry a festival day: its first session's start to its last one's end (the
    API's times, cancelled sessions left out), else the whole day."""
    expected = {}
    day = DAYS[0]
    while day <= DAYS[1]:
        that_day = [s for s in api.values() if not s["cancelled"]
                    and datetime.fromisoformat(s["start"]).astimezone(zone).date() == day]
        uid = f"ticket-{ticket_id}-{day.isoformat()}@127.0.0.1"
        if that_day:
            expected[uid] = (min((_utc(s["start"]) for s in that_day), key=lambda m: m[1]),
                             max((_utc(s["end"]) for s in that_day), key=lambda m: m[1]))
        else:
            expected[uid] = (("date", day), ("date", day + timedelta(days=1)))
        day += timedelta(days=1)
    return expected


def _check(parser: str, data: bytes, expected: dict) -> None:
    read = PARSERS[parser](data)
    assert sorted(read) == sorted(expected)
    for uid, (start, end) in expected.items():
        assert read[uid] == (start, end), f"{parser} reads {uid} otherwise than the API"


# ------------------------------------------------------------------------------- tests


@pytest.mark.parametrize("parser", PARSERS)
def test_schedule_feed_reads_as_the_api_in_every_parser(client, festival, parser):
    event, sessions, _registration, _ticket = festival
    api = _api_times(client)
    assert sorted(api) == sorted(s.id for s in sessions)
    data = client.get("/api/v1/events/parsers/schedule.ics").data
    _check(parser, data, _expected_sessions(api, api))


@pytest.mark.parametrize("parser", PARSERS)
def test_agenda_feed_reads_as_the_api_in_every_parser(client, festival, parser):
    _event, sessions, registration, _ticket = festival
    api = _api_times(client)
    response = client.get(f"/agenda/{registration.agenda_token}.ics")
    assert response.status_code == 200
    on_agenda = [sessions[n].id for n in (0, 2, 3, 5)]  # bookmarked, reserved, waitlisted
    _check(parser, response.data, _expected_sessions(api, on_agenda))


@pytest.mark.parametrize("parser", PARSERS)
def test_ticket_calendar_reads_as_the_api_in_every_parser(client, festival, parser):
    event, sessions, _registration, ticket = festival
    api = _api_times(client)
    response = client.get(f"/tickets/{ticket.code}/calendar.ics")
    assert response.status_code == 200
    expected = _expected_sessions(api, [sessions[2].id, sessions[3].id])
    expected |= _expected_days(api, ticket.id, ZoneInfo(event.timezone))
    _check(parser, response.data, expected)


def test_the_berlin_programme_straddles_the_change(app, festival):
    """The Berlin case really has both offsets (else it would prove nothing about RDATE)."""
    event, sessions, _registration, _ticket = festival
    zone = ZoneInfo(event.timezone)
    offsets = {s.starts_at.astimezone(zone).utcoffset() for s in sessions}
    ends = {s.ends_at.astimezone(zone).utcoffset() for s in sessions}
    if event.timezone == "Europe/Berlin":
        assert offsets | ends == {timedelta(hours=2), timedelta(hours=1)}
        across, repeated = sessions[2], sessions[6]
        assert across.starts_at.astimezone(zone).utcoffset() != (
            across.ends_at.astimezone(zone).utcoffset())
        assert repeated.starts_at.astimezone(zone).fold == 1  # 02:30 winter time
        assert repeated.starts_at.astimezone(zone).replace(fold=0) < repeated.starts_at
    else:
        assert offsets | ends == {timedelta(hours=9)}
