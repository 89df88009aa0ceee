"""Event teams: organizers and door staff see and act on their teams' events only; the team
is managed on the event's pages and by `festa user create --event`. (Every route of another
event answering 404 is checked by tests/production/test_route_matrix.py.)"""

from __future__ import annotations

import sqlalchemy as sa

from festa.audit.models import AuditEntry
from festa.auth.models import TeamMember, User
from festa.auth.teams import put_on_team, team_members
from festa.extensions import db
from tests.factories import make_event, make_user
from tests.manage.conftest import event_form


def _theirs_and_mine(auth):
    """An event of someone else's and one of the logged-in organizer's."""
    theirs = make_event(team=False, name_en="Their event")
    mine = make_event(team=False, name_en="My event")
    user = auth.login("organizer", email="solo@festa.test")
    put_on_team(mine.id, user)
    db.session.commit()
    return theirs, mine, user


def test_lists_show_only_the_organizers_events(client, auth):
    theirs, mine, _user = _theirs_and_mine(auth)
    for url in ("/manage/", "/manage/events/", "/manage/registrations/", "/manage/checkin",
                "/manage/open-data", "/manage/audit"):
        html = client.get(f"{url}?lang=en").get_data(as_text=True)
        assert "My event" in html, url
        assert "Their event" not in html, url
    assert client.get(f"/manage/events/{theirs.id}/registrations").status_code == 404
    assert client.get(f"/manage/events/{mine.id}/registrations").status_code == 200


def test_admins_see_every_event(client, auth):
    make_event(team=False, name_en="Nobody's event")
    db.session.commit()
    auth.login("admin")
    assert "Nobody&#39;s event" in client.get("/manage/events/?lang=en").get_data(as_text=True)


def test_an_organizer_who_creates_an_event_is_on_its_team(client, auth):
    user = auth.login("organizer", email="creator@festa.test")
    response = client.post("/manage/events/new", data=event_form())
    assert response.status_code == 302
    event_id = int(response.location.rstrip("/").split("/")[-1])
    assert [u.id for u in team_members(event_id)] == [user.id]


def test_the_events_organizers_manage_its_team(client, auth):
    _theirs, mine, _user = _theirs_and_mine(auth)
    door = make_user(email="gate@festa.test", role="door")
    db.session.commit()
    url = f"/manage/events/{mine.id}/team"
    assert client.post(url, data={"email": "GATE@festa.test"}).status_code == 302
    assert "gate@festa.test" in client.get(url).get_data(as_text=True)
    assert db.session.get(TeamMember, (mine.id, door.id)) is not None
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "team.add"))
    assert entry.event_id == mine.id and entry.details == {"user_id": door.id, "role": "door"}

    unknown = client.post(f"{url}?lang=en", data={"email": "nobody@festa.test"})
    assert unknown.status_code == 422
    assert "There is no staff account with this e-mail." in unknown.get_data(as_text=True)
    make_user(email="boss@festa.test", role="admin")
    db.session.commit()
    assert client.post(url, data={"email": "boss@festa.test"}).status_code == 422

    removed = client.post(f"/manage/events/{mine.id}/team/{door.id}/remove")
    assert removed.status_code == 302
    assert db.session.get(TeamMember, (mine.id, door.id)) is None


def test_door_staff_choose_only_their_events_checkpoints(client, auth):
    theirs = make_event(team=False, name_en="Their event")
    mine = make_event(team=False, name_en="My event")
    user = auth.login("door", email="gate@festa.test")
    put_on_team(mine.id, user)
    db.session.commit()
    html = client.get("/door/checkpoints?lang=en").get_data(as_text=True)
    assert "My event" in html and "Their event" not in html
    assert theirs.id != mine.id


def test_cli_puts_a_new_account_on_teams(app, runner):
    first, second = make_event(team=False), make_event(team=False)
    db.session.commit()
    result = runner.invoke(args=[
        "festa", "user", "create", "door1@festa.test", "--role", "door", "--event", first.slug,
        "--event", second.slug, "--password", "correct-horse-battery"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "door1@festa.test"))
    assert {m.event_id for m in db.session.scalars(
        sa.select(TeamMember).where(TeamMember.user_id == user.id))} == {first.id, second.id}

    alone = runner.invoke(args=["festa", "user", "create", "org@festa.test", "--role",
                                "organizer", "--password", "correct-horse-battery"])
    assert alone.exit_code == 0, alone.output
    org = db.session.scalar(sa.select(User).where(User.email == "org@festa.test"))
    assert db.session.scalar(sa.select(TeamMember).where(TeamMember.user_id == org.id)) is None

    unknown = runner.invoke(args=["festa", "user", "create", "x@festa.test", "--role", "door",
                                  "--event", "no-such-event", "--password",
                                  "correct-horse-battery"])
    assert unknown.exit_code != 0 and "no-such-event" in unknown.output
    assert db.session.scalar(sa.select(User).where(User.email == "x@festa.test")) is None
