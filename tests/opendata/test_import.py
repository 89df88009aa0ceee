"""Programme import: CSV and schedule.json (pretalx), preview first, all or nothing."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
import sqlalchemy as sa

from festa.auth.teams import put_on_team
from festa.extensions import db
from festa.opendata import importer
from festa.opendata.import_apply import apply_plan
from festa.opendata.import_plan import ImportFailed, display_names, split_name
from festa.program.models import Room, Session, Speaker, Track
from tests.factories import make_event
from tests.opendata.conftest import REF

HEADER = ("date,start,end,title_ko,title_en,kind,language,room_ko,room_en,track_ko,track_en,"
          "speakers_ko,speakers_en,capacity,reservation_required\n")


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _upload(client, event, name: str, data: bytes):
    return client.post(f"/manage/events/{event.id}/import",
                       data={"upload": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


@pytest.mark.parametrize(("ko", "en", "expected"), [
    ("오세훈", "Oh Se-hoon", ("오", "세훈", "Oh", "Se-hoon", False)),
    ("제리 캐플런", "Jerry Kaplan", ("캐플런", "제리", "Kaplan", "Jerry", True)),
    ("남궁민수", "Namgung Min-su", ("남궁", "민수", "Namgung", "Min-su", False)),
    ("Kaplan, Jerry", "", ("Kaplan", "Jerry", "Kaplan", "Jerry", False)),
    ("Chris Fiege", "Chris Fiege", ("Fiege", "Chris", "Fiege", "Chris", True)),
])
def test_split_name(app, ko, en, expected):
    fields = split_name(ko, en)
    assert (fields["family_name_ko"], fields["given_name_ko"], fields["family_name_en"],
            fields["given_name_en"], fields["given_name_first"]) == expected
    assert display_names(fields)[0].replace(",", "") in (ko.replace(",", ""),
                                                                  "Jerry Kaplan")


def test_csv_upload_preview_then_import(client, auth, programme):
    auth.login("organizer")
    event = programme.event
    day = event.start_date.isoformat()
    csv_text = HEADER + (
        f"{day},13:00,13:45,새 세션,New session,panel,ko+en,그랜드볼룸,,새 트랙,New track,"
        f"오세훈; 김민지,Oh Se-hoon; Kim Min-ji,30,yes\n"
        f'{day},15:00,16:00,"여러 줄\n제목",,talk,,별관,Annex,,,,,,no\n'
    )
    sessions_before = _count(Session)
    response = _upload(client, event, "programme.csv", csv_text.encode("utf-8-sig"))
    assert response.status_code == 302
    preview = client.get(response.location)
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert 'data-count="created">2<' in html
    assert _count(Session) == sessions_before  # nothing saved by the preview
    key = response.location.rsplit("/", 1)[1]
    done = client.post(response.location, data={"key": key})
    assert done.status_code == 302
    assert _count(Session) == sessions_before + 2
    panel = db.session.scalar(sa.select(Session).where(Session.title_en == "New session"))
    assert panel.room_id == programme.hall.id  # matched by the Korean name
    assert panel.track.name_en == "New track" and panel.capacity == 30
    assert panel.reservation_required and panel.language == "ko+en"
    assert [r.speaker_id for r in panel.speaker_roles][0] == programme.speakers[0].id
    assert panel.starts_at.isoformat().startswith(f"{day}T04:00")  # 13:00 Seoul = 04:00 UTC
    annex = db.session.scalar(sa.select(Room).where(Room.name_en == "Annex"))
    assert annex is not None and annex.venue_id == event.venue_id
    multi = db.session.scalar(sa.select(Session).where(Session.room_id == annex.id))
    # One-line text: the line break is stored as a space (festa.core.inputs.storable).
    assert multi.title_ko == "여러 줄 제목" and multi.title_en == multi.title_ko
    # The stored upload is gone once imported.
    assert client.post(response.location, data={"key": key}).status_code == 302
    assert _count(Session) == sessions_before + 2


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(client, auth, programme):
    auth.login("organizer")
    event = programme.event
    day = event.start_date.isoformat()
    csv_text = HEADER + (
        f"{day},09:00,10:00,좋은 세션,Good session,talk,ko,,,,,,,,\n"
        f'{day},10:00,11:00,"두 줄\n제목",,lecture,ko,,,,,,,,\n'      # lines 3-4: bad kind
        f"{day},12:00,11:00,거꾸로,Backwards,talk,ko,,,,,,,,\n"        # line 5: end first
        f"2025-13-01,10:00,11:00,날짜,Date,talk,ko,,,,,,,-3,maybe\n"   # line 6
        f"\n"
        f"{day},10:00,11:00,,,talk,ko,,,,,A; B,A,,\n"                  # line 8
    )
    before = (_count(Session), _count(Room), _count(Track), _count(Speaker))
    response = _upload(client, event, "bad.csv", csv_text.encode())
    preview = client.get(response.location)
    assert preview.status_code == 422
    html = preview.get_data(as_text=True)
    lines = sorted({int(n) for n in re.findall(r'<tr data-line="(\d+)">', html)})
    assert lines == [3, 5, 6, 8]
    assert "Nothing will be imported" in html or "아무것도 가져오지 않습니다" in html
    key = response.location.rsplit("/", 1)[1]
    client.post(response.location, data={"key": key})
    assert (_count(Session), _count(Room), _count(Track), _count(Speaker)) == before

    plan = importer.parse_upload("bad.csv", csv_text.encode(), event)
    by_line = {(e["line"], e["field"]) for e in plan.errors}
    assert {(3, "kind"), (5, "end"), (6, "start"), (6, "capacity"),
            (6, "reservation_required"), (8, "title"), (8, "speakers_en")} <= by_line
    with pytest.raises(ImportFailed):
        apply_plan(plan, event)


def test_a_refusal_while_applying_rolls_back_everything(app, programme):
    """Rows the parser accepts but a service refuses (fewer seats than are booked) leave
    nothing behind."""
    event = programme.event
    programme.workshop.seats_taken = 5
    db.session.commit()
    day = event.end_date.isoformat()
    csv_text = ("id,date,start,end,title_en,room_en,capacity\n"
                f",{day},09:00,10:00,First,Brand new room,\n"
                f"{programme.workshop.id},{day},14:00,15:30,Hands-on workshop,Room 300,2\n")
    before = (_count(Session), _count(Room))
    plan = importer.parse_upload("p.csv", csv_text.encode(), event)
    assert plan.errors == []
    with pytest.raises(ImportFailed) as failed:
        apply_plan(plan, event)
    assert failed.value.errors[0]["line"] == 3
    db.session.rollback()
    assert (_count(Session), _count(Room)) == before


def test_programme_csv_round_trip_updates_in_place(client, auth, programme):
    auth.login("organizer")
    event = programme.event
    exported = client.get(f"/manage/events/{event.id}/export/programme.csv").data
    assert exported.startswith(b"\xef\xbb\xbf")
    edited = exported.decode("utf-8-sig").replace("Seven AI strategies", "Seven strategies")
    plan = importer.parse_upload("programme.csv", edited.encode(), event)
    assert plan.errors == []
    sequence = programme.keynote.sequence
    summary = apply_plan(plan, event)
    db.session.commit()
    assert summary["created"] == 0 and summary["updated"] == 1
    assert summary["unchanged"] == len(plan.rows) - 1
    assert programme.keynote.title_en == "Seven strategies"
    assert programme.keynote.sequence > sequence
    assert [r.speaker_id for r in programme.dialogue.speaker_roles] == [
        s.id for s in programme.speakers]


@pytest.mark.parametrize(("filename", "start", "end", "sessions"), [
    ("example-pretalx-schedule.json", date(2020, 12, 27), date(2020, 12, 30), 48),
    ("pretalx-democon.json", date(2020, 12, 14), date(2020, 12, 16), 36),
])
def test_pretalx_schedules_import(client, auth, filename, start, end, sessions):
    """The rC3 file does not validate against the schema; both must import anyway."""
    auth.login("organizer")
    event = make_event(start_date=start, end_date=end, venue=None,
                       registration_opens_at=None, registration_closes_at=None)
    db.session.commit()
    response = _upload(client, event, filename, (REF / filename).read_bytes())
    preview = client.get(response.location)
    assert preview.status_code == 200, preview.get_data(as_text=True)[:2000]
    key = response.location.rsplit("/", 1)[1]
    assert client.post(response.location, data={"key": key}).status_code == 302
    imported = db.session.scalars(sa.select(Session).where(Session.event_id == event.id)).all()
    assert len(imported) == sessions
    assert all(s.room is not None for s in imported)
    assert sum(len(s.speaker_roles) for s in imported) > 0
    # Importing the same file again changes nothing.
    plan = importer.parse_upload(filename, (REF / filename).read_bytes(), event)
    summary = apply_plan(plan, event)
    db.session.commit()
    assert (summary["created"], summary["unchanged"]) == (0, sessions)


def test_democon_times_and_people(app):
    event = make_event(start_date=date(2020, 12, 14), end_date=date(2020, 12, 16), venue=None)
    db.session.commit()
    plan = importer.parse_upload("democon.json", (REF / "pretalx-democon.json").read_bytes(),
                                 event)
    apply_plan(plan, event)
    db.session.commit()
    first = db.session.scalar(sa.select(Session).where(
        Session.title_en == "Focused 5thgeneration hardware"))
    assert first.starts_at.isoformat() == "2020-12-14T08:00:00+00:00"  # 09:00+01:00
    assert (first.ends_at - first.starts_at).total_seconds() == 30 * 60
    assert first.room.name_en == "Gray Room" and first.track.name_en == "Phased"
    assert first.speaker_roles[0].speaker.family_name_en == "Robinson"


@pytest.mark.parametrize("payload", [b"{not json", b'{"schedule": {}}', b"\xff\xfe\x00"])
def test_broken_json_is_refused_with_a_reason(app, payload):
    event = make_event()
    plan = importer.parse_upload("x.json", payload, event)
    assert plan.errors and not plan.ok


def test_preview_key_is_bound_to_the_organizer(client, auth, programme, app):
    other = auth.login("organizer", email="other@festa.test")
    put_on_team(programme.event.id, other)
    db.session.commit()
    plan = importer.parse_upload("p.csv", (HEADER + "").encode(), programme.event)
    key = importer.save_plan(plan, other.id + 1000, programme.event.id)
    response = client.get(f"/manage/events/{programme.event.id}/import/{key}")
    assert response.status_code == 302 and response.location.endswith("/import")
    assert importer.load_plan("../../etc/passwd", other.id, programme.event.id) is None


def test_template_and_upload_page(client, auth, programme):
    auth.login("organizer")
    template = client.get("/manage/import-template.csv")
    assert template.status_code == 200 and template.mimetype == "text/csv"
    plan = importer.parse_upload("t.csv", template.data, programme.event)
    assert plan.errors == [] and len(plan.rows) == 2
    page = client.get(f"/manage/events/{programme.event.id}/import")
    assert page.status_code == 200 and b"speakers_ko" in page.data
    empty = client.post(f"/manage/events/{programme.event.id}/import", data={},
                        content_type="multipart/form-data")
    assert empty.status_code == 422
