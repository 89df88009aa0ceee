"""`flask --app festa festa programme import`: the import page's preview and import, from the
command line, on a real schedule.json (Camp 2019, tests/opendata/ref/real/SOURCES.md)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from festa.extensions import db
from festa.program.models import Event, Session
from tests.factories import make_event, make_session, seoul

CAMP = Path(__file__).parent / "ref" / "real" / "frab-camp2019.json"


def _count_sessions() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Session))


def test_preview_then_apply_then_rerun_changes_nothing(runner):
    args = ["festa", "programme", "import", "--event", "camp-2019", str(CAMP)]
    preview = runner.invoke(args=args)
    assert preview.exit_code == 0, preview.output
    assert "event camp-2019: would be created from the file" in preview.output
    assert "(preview; --apply imports)" in preview.output
    # A preview keeps nothing.
    assert db.session.scalar(sa.select(Event).where(Event.slug == "camp-2019")) is None
    assert _count_sessions() == 0

    done = runner.invoke(args=[*args, "--apply", "--publish"])
    assert done.exit_code == 0, done.output
    event = db.session.scalar(sa.select(Event).where(Event.slug == "camp-2019"))
    assert event.name_en == "Chaos Communication Camp 2019"
    assert event.timezone == "Europe/Berlin"
    assert (event.start_date.isoformat(), event.end_date.isoformat()) == (
        "2019-08-21", "2019-08-26")
    assert event.published and "published schedule version 1" in done.output
    created = _count_sessions()
    assert created > 0 and f"sessions: {created} new" in done.output

    again = runner.invoke(args=[*args, "--apply", "--publish"])
    assert again.exit_code == 0, again.output
    assert f"sessions: 0 new, 0 updated, {created} unchanged (imported)" in again.output
    assert _count_sessions() == created
    assert "published schedule version" not in again.output


def test_errors_exit_1_and_keep_nothing(runner, tmp_path):
    make_event(slug="seoul-csv")
    db.session.commit()
    bad = tmp_path / "programme.csv"
    bad.write_text("title_ko,title_en,starts_at,ends_at\n세션,Session,not a time,later\n",
                   encoding="utf-8")
    result = runner.invoke(args=["festa", "programme", "import", "--event", "seoul-csv",
                                 str(bad), "--apply"])
    assert result.exit_code == 1
    assert "error: line 1, date, start, end" in result.output
    assert "Nothing was imported." in result.output
    assert _count_sessions() == 0

    unknown = runner.invoke(args=["festa", "programme", "import", "--event", "no-such",
                                  str(bad)])
    assert unknown.exit_code == 1
    assert "only a schedule.json or schedule.xml can create one" in unknown.output


def test_a_programme_csv_from_another_event_imports_and_reruns_unchanged(runner, tmp_path):
    """The CSV round trip from the command line: ids of the other event are counted and
    ignored; a re-run finds every session again by title and start."""
    from festa.opendata import spreadsheets

    source = make_event(slug="seoul-source")
    make_session(source, start=seoul(source.start_date, 10), title_en="Keynote")
    make_session(source, start=seoul(source.end_date, 14), title_en="Workshop")
    target = make_event(slug="seoul-target", venue=None, start_date=source.start_date,
                        end_date=source.end_date)
    db.session.commit()
    exported = tmp_path / "programme.csv"
    exported.write_bytes(spreadsheets.to_csv(spreadsheets.programme(source), source.timezone))
    args = ["festa", "programme", "import", "--event", "seoul-target", str(exported), "--apply"]
    done = runner.invoke(args=args)
    assert done.exit_code == 0, done.output
    assert "sessions: 2 new, 0 updated, 0 unchanged (imported)" in done.output
    assert "ids that are not this event's sessions (matched by title and start instead): 2" in (
        done.output)
    again = runner.invoke(args=args)
    assert "sessions: 0 new, 0 updated, 2 unchanged (imported)" in again.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Session).where(
        Session.event_id == target.id)) == 2
