"""Real programmes from other generators (frab, pretalx, wafer), imported field by field.

The files are byte-for-byte copies from public repositories (ref/real/SOURCES.md). Every
session's start, end, room, language, persons (with biography and identity), links and
do_not_record is compared with what the file itself says, read here independently of the
importer."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from festa.core.inputs import storable
from festa.extensions import db
from festa.i18n import speaker_name
from festa.opendata import importer
from festa.opendata.import_apply import apply_plan
from festa.opendata.import_plan import name_key
from festa.program.models import Session, Speaker
from tests.factories import make_event
from tests.opendata.conftest import REF

REAL = REF / "real"


def _import(name: str, path, **event_fields):
    event = make_event(venue=None, registration_opens_at=None, registration_closes_at=None,
                       **event_fields)
    db.session.commit()
    plan = importer.parse_upload(name, path.read_bytes(), event)
    assert plan.errors == []
    summary = apply_plan(plan, event)
    db.session.commit()
    return event, plan, summary


def _sessions(event) -> dict[str, Session]:
    rows = db.session.scalars(sa.select(Session).where(Session.event_id == event.id))
    return {s.source_key: s for s in rows}


def _json_items(document: dict):
    for day in document["schedule"]["conference"]["days"]:
        for room, items in day["rooms"].items():
            for item in items:
                yield day, room, item


def test_frab_json_2019_field_by_field(app):
    """frab's own export (Chaos Communication Camp 2019): German and English talks,
    public_name persons with ids, links, do_not_record, Europe/Berlin."""
    path = REAL / "frab-camp2019.json"
    document = json.loads(path.read_text())
    event, plan, summary = _import("schedule.json", path, start_date=date(2019, 8, 21),
                                   end_date=date(2019, 8, 25), timezone="Europe/Berlin")
    sessions = _sessions(event)
    items = list(_json_items(document))
    assert summary["created"] == len(items) == len(sessions) == plan.file_counts["sessions"]
    rooms = {room for _day, room, _item in items}
    assert summary["rooms"] == len(rooms) == plan.file_counts["rooms"]
    for _day, room, item in items:
        session = sessions[item["guid"]]
        start = datetime.fromisoformat(item["date"])
        hours, minutes = map(int, item["duration"].split(":"))
        assert session.starts_at == start
        assert session.ends_at - session.starts_at == timedelta(hours=hours, minutes=minutes)
        assert session.room.name_en == room
        assert session.language == item["language"]  # de stays de
        assert session.title_en == item["title"].strip()
        assert session.subtitle_en == (item["subtitle"] or "").strip()
        # Stored as festa.core.inputs keeps any text: NFC, no control characters.
        assert session.abstract_en == storable(item["abstract"] or "", multiline=True)
        assert session.description_en == storable(item["description"] or "", multiline=True)
        assert session.do_not_record == bool(item["do_not_record"])
        assert [link["url"] for link in session.links or []] == [
            link["url"] for link in item["links"]]
        assert [r.speaker.source_key for r in session.speaker_roles] == [
            str(p["id"]) for p in item["persons"]]
    languages = Counter(s.language for s in sessions.values())
    assert languages == Counter(item["language"] for _d, _r, item in items)
    assert languages["de"] == 24
    people = {str(p["id"]) for _d, _r, item in items for p in item["persons"]}
    assert summary["speakers"] == len(people) == plan.file_counts["speakers"]


def test_legacy_frab_json_2016_field_by_field(app):
    """frab's export before 2017 (Linuxwochen Wien 2016): persons named only
    full_public_name, no time_zone_name, sessions without a track or a language."""
    path = REAL / "frab-lww2016.json"
    document = json.loads(path.read_text())
    zone = ZoneInfo("Europe/Vienna")
    event, plan, summary = _import("schedule.json", path, start_date=date(2016, 4, 28),
                                   end_date=date(2016, 4, 30), timezone="Europe/Vienna")
    sessions = _sessions(event)
    items = list(_json_items(document))
    assert summary["created"] == len(items) == len(sessions) == plan.file_counts["sessions"]
    assert len(items) == 92
    rooms = {room for _day, room, _item in items}
    assert summary["rooms"] == len(rooms) == plan.file_counts["rooms"] == 8
    tracks = {item["track"] for _d, _r, item in items} - {None}
    assert plan.file_counts["tracks"] == len(tracks) == 10
    unnamed = 0
    for day, room, item in items:
        session = sessions[item["guid"]]
        start = datetime.fromisoformat(item["date"])
        hours, minutes = map(int, item["duration"].split(":"))
        assert session.starts_at == start
        assert start.date().isoformat() == day["date"]
        assert session.starts_at.astimezone(zone).strftime("%H:%M") == item["start"]
        assert session.ends_at - session.starts_at == timedelta(hours=hours, minutes=minutes)
        assert session.room.name_en == room
        assert session.title_en == item["title"].strip()
        assert session.subtitle_en == item["subtitle"].strip()
        assert session.abstract_en == storable(item["abstract"], multiline=True)
        assert session.description_en == storable(item["description"], multiline=True)
        assert (session.track.name_en if session.track else None) == item["track"]
        # An empty language is not guessed silently: English, with a warning on its line.
        assert session.language == (item["language"] or "en")
        unnamed += not item["language"]
        assert [link["url"] for link in session.links or []] == [
            link["url"] for link in item["links"]]
        roles = [r.speaker for r in session.speaker_roles]
        assert [s.source_key for s in roles] == [str(p["id"]) for p in item["persons"]]
        # Shown as the file writes it, also "Ing. Brigitte Lutz, MSc" (not "Family, Given").
        assert [speaker_name(s, "en") for s in roles] == [
            p["full_public_name"] for p in item["persons"]]
    assert unnamed == 11
    assert sum(w["field"] == "language" for w in plan.warnings) == unnamed
    languages = Counter(s.language for s in sessions.values())
    assert languages == Counter({"de": 63, "en": 18 + unnamed})
    people = {p["id"] for _d, _r, item in items for p in item["persons"]}
    assert summary["speakers"] == len(people) == plan.file_counts["speakers"] == 66


def test_congress_2015_after_midnight_and_shared_person_ids(app):
    """32C3 as C3VOC published it (frab's Fahrplan merged with the wiki's sessions):
    days run to 04:00, so 42 sessions start after midnight, on the next calendar date;
    languages are written En/De/Cs or left empty; every wiki person has id 0."""
    path = REAL / "voc-32c3-everything.json"
    document = json.loads(path.read_text())
    event, plan, summary = _import("schedule.json", path, start_date=date(2015, 12, 27),
                                   end_date=date(2015, 12, 31), timezone="Europe/Berlin")
    sessions = _sessions(event)
    items = list(_json_items(document))
    assert summary["created"] == len(items) == len(sessions) == plan.file_counts["sessions"]
    # The file's 35 room names include "" (one session without a room), "B\\u00fchne"
    # (no sessions) and DACH beside Dach, which Festa matches as one room.
    keys = {room for day in document["schedule"]["conference"]["days"] for room in day["rooms"]}
    assert plan.file_counts["rooms"] == len(keys) == 35
    assert summary["rooms"] == len({name_key(room) for _d, room, _i in items if room}) == 32
    tracks = {item["track"] for _d, _r, item in items} - {None, ""}
    assert plan.file_counts["tracks"] == len(tracks)
    after_midnight = 0
    for day, room, item in items:
        session = sessions[item["guid"]]
        start = datetime.fromisoformat(item["date"])
        hours, minutes = map(int, item["duration"].split(":"))
        assert session.starts_at == start
        assert session.ends_at - session.starts_at == timedelta(hours=hours, minutes=minutes)
        assert name_key(session.room.name_en if session.room else "") == name_key(room)
        if start.date() != date.fromisoformat(day["date"]):
            assert start.date() == date.fromisoformat(day["date"]) + timedelta(days=1)
            assert start.strftime("%H:%M") < "04:00"  # the day ends at 04:00
            after_midnight += 1
        assert session.language == (item["language"].lower() or "en")
        assert (session.track.name_en if session.track else "") == (item["track"] or "")
        # Names as written, spacing normalised as every imported name is.
        assert [speaker_name(r.speaker, "en") for r in session.speaker_roles] == [
            " ".join(p["public_name"].split()) for p in item["persons"]]
    assert after_midnight == 42
    assert Counter(s.language for s in sessions.values()) == Counter(
        {"en": 157 + 122 + 62, "de": 67 + 59, "cs": 7})
    # Id 0 names 109 different people: each is a speaker of their own (matched by name),
    # not one speaker with 109 names; the preview says why.
    names_by_id: dict[int, set] = {}
    for _d, _r, item in items:
        for person in item["persons"]:
            names_by_id.setdefault(person["id"], set()).add(person["public_name"])
    assert len(names_by_id[0]) == 109
    people = len(names_by_id) - 1 + len(names_by_id[0])
    assert summary["speakers"] == plan.file_counts["speakers"] == people == 382
    wiki_speakers = {r.speaker.id for s in sessions.values() for r in s.speaker_roles
                     if not r.speaker.source_key}
    assert len(wiki_speakers) == 109
    assert [w for w in plan.warnings if w["field"] == "persons"] == [
        {"line": 1 + next(n for n, (_d, _r, item) in enumerate(items)
                          if any(p["id"] == 0 for p in item["persons"])),
         "field": "persons", "message": "사람 id “0”가 서로 다른 이름 109개에 쓰였습니다. "
                                        "이 사람들은 이름으로 맞춥니다."}]


def test_day_relative_starts_reproduce_the_real_dates(app):
    """The legacy shape (only the day plus a clock time) on real data: with every
    session's own `date` removed, the day's start decides the calendar date, and all
    474 starts of 32C3, 42 of them after midnight, come out as the file dates them."""
    document = json.loads((REAL / "voc-32c3-everything.json").read_text())
    dated = {item["guid"]: item.pop("date") for _d, _r, item in _json_items(document)}
    event = make_event(start_date=date(2015, 12, 27), end_date=date(2015, 12, 31),
                       timezone="Europe/Berlin", venue=None)
    db.session.commit()
    plan = importer.parse_upload("schedule.json", json.dumps(document).encode(), event)
    assert plan.errors == []
    assert {row["source_key"]: datetime.fromisoformat(row["starts_at"])
            for row in plan.rows} == {guid: datetime.fromisoformat(text)
                                      for guid, text in dated.items()}


def test_pretalx_json_persons_with_biographies_and_codes(app):
    """pretalx (rC3 2020): persons carry a code and a biography; both are kept."""
    path = REF / "example-pretalx-schedule.json"
    document = json.loads(path.read_text())
    event, plan, summary = _import("schedule.json", path, start_date=date(2020, 12, 27),
                                   end_date=date(2020, 12, 30))
    sessions = _sessions(event)
    for _day, _room, item in _json_items(document):
        session = sessions[item["guid"]]
        assert session.starts_at == datetime.fromisoformat(item["date"])
        assert session.language == item["language"]
        for role, person in zip(session.speaker_roles, item["persons"], strict=True):
            identity = person.get("guid") or person.get("code") or str(person["id"])
            assert role.speaker.source_key == identity
            assert role.speaker.bio_en == storable(person.get("biography") or "", multiline=True)
    assert Counter(s.language for s in sessions.values())["de"] == 19


def test_wafer_xml_day_relative_times_and_time_zone(app):
    """wafer's schedule.xml (DebConf 23, Asia/Kolkata): each day starts at 03:00 local
    (21:30 UTC the evening before, so the day's `date` is the UTC date, a day early). Every
    session's own `date` gives the true moment; the clock time agrees with it."""
    path = REAL / "wafer-debconf23.xml"
    root = ET.parse(path).getroot()
    zone = ZoneInfo("Asia/Kolkata")
    event, plan, summary = _import("schedule.xml", path, start_date=date(2023, 9, 10),
                                   end_date=date(2023, 9, 17), timezone="Asia/Kolkata")
    sessions = db.session.scalars(sa.select(Session).where(Session.event_id == event.id)).all()
    by_source = {s.source_key: s for s in sessions}
    events = root.findall("day/room/event")
    assert summary["created"] == len(events) == plan.file_counts["sessions"]
    for element in events:
        session = by_source[element.get("guid")]
        start = datetime.fromisoformat(element.findtext("date"))
        assert session.starts_at == start
        assert session.starts_at.astimezone(zone).strftime("%H:%M") == element.findtext("start")
        names = [p.text.strip() for p in element.findall("persons/person")]
        assert [r.speaker.family_name_en for r in session.speaker_roles] == [
            n.split()[-1] for n in names]


def test_after_midnight_sessions_belong_to_the_next_date(app):
    """A legacy frab file gives only the day's date and a clock time, and names its
    persons full_public_name; sessions before the day change (04:00) are the next date."""
    document = {"schedule": {"version": "1", "conference": {
        "acronym": "30c3", "title": "30C3", "start": "2013-12-27", "end": "2013-12-30",
        "daysCount": 1, "day_change": "04:00", "timeslot_duration": "00:15",
        "days": [{"index": 0, "date": "2013-12-27", "start": "2013-12-27T04:00:00+01:00",
                  "end": "2013-12-28T03:59:00+01:00", "rooms": {"Saal 1": [
                      {"id": 5490, "guid": "g-5490", "start": "23:00", "duration": "01:00",
                       "title": "Late", "language": "de", "type": "lecture",
                       "persons": [{"id": 1, "full_public_name": "Adam Harvey"}]},
                      {"id": 5491, "guid": "g-5491", "start": "00:30", "duration": "00:30",
                       "title": "After midnight", "language": "en", "type": "lecture",
                       "persons": [{"id": 2, "full_public_name": "Some One"}]}]}}]}}}
    event = make_event(start_date=date(2013, 12, 27), end_date=date(2013, 12, 29),
                       timezone="Europe/Berlin", venue=None)
    db.session.commit()
    plan = importer.parse_upload("s.json", json.dumps(document).encode(), event)
    late, after = plan.rows
    assert late["starts_at"] == "2013-12-27T23:00:00+01:00"
    assert after["starts_at"] == "2013-12-28T00:30:00+01:00"
    assert [s["name_en"] for s in late["speakers"]] == ["Adam Harvey"]
    assert after["language"] == "en" and late["language"] == "de"
    # Without the day's start and end, the file's day_change decides.
    del document["schedule"]["conference"]["days"][0]["start"]
    del document["schedule"]["conference"]["days"][0]["end"]
    plan = importer.parse_upload("s.json", json.dumps(document).encode(), event)
    assert plan.rows[1]["starts_at"] == "2013-12-28T00:30:00+01:00"


def test_same_name_at_two_conferences_stays_two_people(app):
    """Two different people called Adam Harvey at two conferences are not merged; a
    re-import into the same event finds its own person by the file's id."""
    def document(person_id):
        return json.dumps({"schedule": {"version": "1", "conference": {
            "acronym": "x", "title": "X", "time_zone_name": "Asia/Seoul", "days": [
                {"date": "2030-05-01", "rooms": {"Hall": [
                    {"guid": f"s-{person_id}", "date": "2030-05-01T10:00:00+09:00",
                     "duration": "00:30", "title": "Talk", "language": "ko",
                     "persons": [{"id": person_id, "public_name": "Adam Harvey",
                                  "biography": f"bio {person_id}"}]}]}}]}}}).encode()
    first = make_event(start_date=date(2030, 5, 1), venue=None)
    second = make_event(start_date=date(2030, 5, 1), venue=None)
    db.session.commit()
    for event, person_id in ((first, 7), (second, 7)):
        apply_plan(importer.parse_upload("s.json", document(person_id), event), event)
        db.session.commit()
    harveys = db.session.scalars(sa.select(Speaker).where(
        Speaker.family_name_en == "Harvey")).all()
    assert len(harveys) == 2
    again = apply_plan(importer.parse_upload("s.json", document(7), first), first)
    db.session.commit()
    assert (again["created"], again["unchanged"], again["speakers"]) == (0, 1, 0)


@pytest.mark.parametrize("name", ["frab-camp2019.json", "frab-lww2016.json",
                                  "wafer-debconf23.xml"])
def test_reimporting_a_real_file_changes_nothing(app, name):
    path = REAL / name
    event, plan, summary = _import(name, path, start_date=date(2019, 8, 21))
    again = apply_plan(importer.parse_upload(name, path.read_bytes(), event), event)
    db.session.commit()
    assert again["created"] == 0 and again["updated"] == 0
    assert again["unchanged"] == summary["created"]


def test_imported_languages_are_named_in_both_languages(client, app):
    path = REAL / "frab-camp2019.json"
    event, _plan, _summary = _import("schedule.json", path, start_date=date(2019, 8, 21),
                                     end_date=date(2019, 8, 25), timezone="Europe/Berlin")
    german = db.session.scalar(sa.select(Session).where(Session.event_id == event.id,
                                                        Session.language == "de"))
    page = f"/events/{event.slug}/sessions/{german.id}"
    assert "독일어" in client.get(page + "?lang=ko").get_data(as_text=True)
    assert "German" in client.get(page + "?lang=en").get_data(as_text=True)
    schedule = client.get(f"/events/{event.slug}/schedule?language=de&lang=en")
    html = schedule.get_data(as_text=True)
    assert '<option value="de" selected>German</option>' in html


def test_editing_an_imported_session_keeps_its_language(client, auth, app):
    path = REAL / "frab-camp2019.json"
    event, _plan, _summary = _import("schedule.json", path, start_date=date(2019, 8, 21),
                                     end_date=date(2019, 8, 25), timezone="Europe/Berlin")
    german = db.session.scalar(sa.select(Session).where(Session.event_id == event.id,
                                                        Session.language == "de"))
    auth.login("organizer")
    page = client.get(f"/manage/sessions/{german.id}/edit?lang=en").get_data(as_text=True)
    assert '<option selected value="de">German</option>' in page
