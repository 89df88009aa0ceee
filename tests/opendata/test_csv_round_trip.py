"""The programme CSV round trip: exported from one event, imported unchanged into another,
exported again — the same programme, only the ids differ (issue 11, item 3)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from festa.extensions import db
from festa.opendata import importer
from festa.opendata.import_apply import apply_plan
from festa.opendata.import_csv import COLUMNS
from festa.program import editing
from festa.program.models import Event, Room, Session, Track, Venue
from tests.factories import make_event, make_session, seoul
from tests.opendata.conftest import REF

# The columns of the original template, in their order: spreadsheets made for it still work.
FIRST_COLUMNS = ("id", "date", "start", "end", "title_ko", "title_en", "kind", "language",
                 "room_ko", "room_en", "track_ko", "track_en", "speakers_ko", "speakers_en",
                 "capacity", "reservation_required", "cancelled", "abstract_ko", "abstract_en")


def _export(client, event: Event) -> bytes:
    response = client.get(f"/manage/events/{event.id}/export/programme.csv")
    assert response.status_code == 200
    return response.data


def _rows(data: bytes) -> list[dict]:
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows and list(rows[0]) == list(COLUMNS)
    return rows


def _import_page(client, event: Event, data: bytes):
    """Upload through the import page, check its preview, confirm; returns the preview."""
    upload = client.post(f"/manage/events/{event.id}/import",
                         data={"upload": (io.BytesIO(data), "programme.csv")},
                         content_type="multipart/form-data")
    assert upload.status_code == 302
    preview = client.get(upload.location)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html
    assert "data-import-errors" not in html
    assert 'id="warnings-title"' not in html  # no warnings at all
    confirm = client.post(upload.location, data={"key": upload.location.rsplit("/", 1)[1]})
    assert confirm.status_code == 302
    return html


def _dress_up(event: Event) -> None:
    """What a plain programme lacks: an address, room capacities, upper-case colours,
    subtitles, descriptions, links, do_not_record, another language, a night session."""
    event.venue.address_ko, event.venue.address_en = "서울 중구 세종대로 110", "110 Sejong-daero"
    # Orders other than the one rooms and tracks first appear in (which a new event's would be).
    for n, room in enumerate(event.venue.rooms):
        room.capacity, room.position = 100 * (n + 1), 50 - n
    for n, track in enumerate(event.tracks):
        track.color, track.position = track.color.upper(), 30 - n
    first = db.session.scalars(sa.select(Session).where(Session.event_id == event.id)
                               .order_by(Session.starts_at, Session.id)).first()
    first.subtitle_ko, first.subtitle_en = "부제", "A subtitle"
    first.description_ko, first.description_en = "긴 설명\n둘째 줄", "Long text\nsecond line"
    first.links = [{"url": "https://example.org/slides", "title": "Slides"},
                   {"url": "https://example.org/video", "title": ""}]
    first.do_not_record = True
    late = datetime.combine(event.start_date, time(23, 30), ZoneInfo(event.timezone))
    make_session(event, event.venue.rooms[0], start=late, minutes=90, language="de",
                 title_en="Night owls", title_ko="올빼미", abstract_en="=1+1 stays text")
    db.session.commit()


def _seoul_programme(programme) -> Event:
    _dress_up(programme.event)
    return programme.event


def _camp_2019(app) -> Event:
    """Chaos Communication Camp 2019 (frab, Europe/Berlin): German talks, persons, links,
    do_not_record, track colours; imported into an event, then given an address."""
    event = make_event(venue=None, start_date=date(2019, 8, 21), end_date=date(2019, 8, 25),
                       timezone="Europe/Berlin")
    db.session.commit()
    plan = importer.parse_upload("schedule.json",
                                 (REF / "real" / "frab-camp2019.json").read_bytes(), event)
    apply_plan(plan, event)
    db.session.commit()
    _dress_up(event)
    return event


def _like(source: Event) -> Event:
    """A new event on the same days in the same zone, without a venue."""
    event = make_event(venue=None, start_date=source.start_date, end_date=source.end_date,
                       timezone=source.timezone)
    db.session.commit()
    return event


def _places(event: Event) -> tuple:
    """Track colours, room capacities, their order and the venue with its address."""
    tracks = {(t.name_ko, t.name_en, t.color, t.position) for t in event.tracks}
    rooms = {(r.name_ko, r.name_en, r.capacity, r.position) for r in event.venue.rooms
             if db.session.scalar(sa.select(Session.id).where(Session.room_id == r.id,
                                                              Session.event_id == event.id))}
    venue = event.venue
    return tracks, rooms, (venue.name_ko, venue.name_en, venue.address_ko, venue.address_en)


@pytest.mark.parametrize("source", ["seoul", "camp2019"])
@pytest.mark.parametrize("source_gone", [False, True], ids=["same-site", "source-deleted"])
def test_programme_csv_imports_unchanged_into_another_event(client, auth, app, programme,
                                                             source, source_gone):
    """Export → import into a new event → export again: every field of every row is the
    same except the ids; track colours, room capacities and the venue with its address are
    kept. With the source event (and its venue) deleted first, as when the file goes to
    another Festa, the venue and its rooms are made anew from the file."""
    auth.login("admin")
    first = _seoul_programme(programme) if source == "seoul" else _camp_2019(app)
    exported = _export(client, first)
    rows = _rows(exported)
    places = _places(first)
    venue_id = first.venue_id
    assert any(r["end_date"] for r in rows) and any(r["links"] for r in rows)
    if source_gone:
        editing.delete_event(first)
        editing.delete_venue(db.session.get(Venue, venue_id))
        db.session.commit()

    second = _like(first)
    plan = importer.parse_upload("programme.csv", exported, second)
    assert (plan.errors, plan.warnings) == ([], [])
    html = _import_page(client, second, exported)
    assert f'data-count="created">{len(rows)}<' in html
    assert f'data-count="ids-ignored">{len(rows)}<' in html

    db.session.expire_all()
    again = _rows(_export(client, second))
    assert len(again) == len(rows)
    for before, after in zip(rows, again, strict=True):
        # (SQLite may give a deleted event's ids again.)
        assert source_gone or before["id"] != after["id"]
        assert {k: v for k, v in after.items() if k != "id"} == {
            k: v for k, v in before.items() if k != "id"}
    assert _places(second) == places
    # The same place is shared while it exists; else it and its rooms are made anew.
    new_rooms = len(places[1]) if source_gone else 0
    assert f'data-count="rooms">{new_rooms}<' in html

    # Imported once more into the same event: matched by their ids, nothing changes.
    summary = apply_plan(importer.parse_upload("again.csv", _export(client, second), second),
                         second)
    assert (summary["created"], summary["updated"], summary["ids_ignored"]) == (0, 0, 0)
    assert summary["unchanged"] == len(rows)


def test_first_nineteen_columns_are_the_original_template(app):
    assert COLUMNS[:len(FIRST_COLUMNS)] == FIRST_COLUMNS


def test_an_old_csv_without_the_new_columns_keeps_what_it_does_not_name(client, auth,
                                                                        programme):
    """A file made with the original 19 columns updates sessions without wiping their
    subtitles, links, colours or room capacities."""
    auth.login("organizer")
    event = programme.event
    _dress_up(event)
    rows = _rows(_export(client, event))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, FIRST_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(r for r in rows if not r["end_date"])  # past midnight needs end_date
    places = _places(event)
    keynote = db.session.get(Session, int(rows[0]["id"]))
    kept = (keynote.subtitle_en, keynote.description_en, keynote.links, keynote.do_not_record)
    summary = apply_plan(importer.parse_upload("old.csv", buffer.getvalue().encode(), event),
                         event)
    db.session.commit()
    assert (summary["created"], summary["updated"]) == (0, 0)
    assert _places(event) == places
    assert (keynote.subtitle_en, keynote.description_en, keynote.links,
            keynote.do_not_record) == kept


def test_an_id_of_this_event_updates_and_a_foreign_id_is_ignored(app, programme):
    event = programme.event
    other = make_event()
    foreign = make_session(other, start=seoul(other.start_date, 10), title_en="Elsewhere")
    db.session.commit()
    day = event.start_date.isoformat()
    text = ("id,date,start,end,title_en\n"
            f"{programme.keynote.id},{day},10:00,10:40,Renamed keynote\n"
            f"{foreign.id},{day},12:00,12:30,Brought along\n")
    summary = apply_plan(importer.parse_upload("p.csv", text.encode(), event), event)
    db.session.commit()
    assert (summary["updated"], summary["created"], summary["ids_ignored"]) == (1, 1, 1)
    assert programme.keynote.title_en == "Renamed keynote"
    assert foreign.title_en == "Elsewhere" and foreign.event_id == other.id
    brought = db.session.scalar(sa.select(Session).where(Session.title_en == "Brought along"))
    assert brought.event_id == event.id


def test_places_the_file_names_are_checked_and_set(app, programme):
    """One capacity per room and one colour per track (a later different one is pointed
    out); another venue's name is pointed out and the rooms go into the event's venue;
    capacities and colours the file gives are set."""
    event = programme.event
    day = event.start_date.isoformat()
    header = "date,start,end,title_en,room_en,room_capacity,track_en,track_color,venue_en\n"
    text = header + (f"{day},12:00,12:30,A,Grand Ballroom,500,Talent,#00aa00,Elsewhere Hall\n"
                     f"{day},13:00,13:30,B,Grand Ballroom,80,Talent,#0000ff,Elsewhere Hall\n"
                     f"{day},14:00,14:30,C,Room 300,,Talent,,Elsewhere Hall\n")
    side_capacity = programme.side.capacity  # an empty cell leaves it as it is
    plan = importer.parse_upload("p.csv", text.encode(), event)
    assert plan.errors == []
    assert {(w["line"], w["field"]) for w in plan.warnings} == {
        (3, "room_capacity"), (3, "track_color"), (1, "venue_ko")}
    apply_plan(plan, event)
    db.session.commit()
    assert (programme.hall.capacity, programme.side.capacity) == (500, side_capacity)
    assert programme.track.color == "#00aa00"
    assert event.venue.name_en != "Elsewhere Hall"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Room)) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Track)) == 1

    bad = importer.parse_upload("p.csv", (
        header + f"{day},15:00,15:30,D,,x,T,red,\n"
        f"{day},16:00,16:30,E,R,99999999999,,,{'V' * 201}\n").encode(), event)
    assert {(e["line"], e["field"]) for e in bad.errors} == {
        (2, "room_capacity"), (2, "track_color"), (3, "room_capacity"), (3, "venue_en")}
