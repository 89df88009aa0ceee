import sqlalchemy as sa

from festa.auth.models import User
from festa.extensions import db
from festa.program.models import Event


def test_user_create_makes_a_staff_account_that_can_log_in(runner, client):
    result = runner.invoke(args=["festa", "user", "create", "Door@Festa.test", "--role", "door",
                                 "--password", "long-enough-secret"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "door@festa.test"))
    assert user.role == "door"
    response = client.post("/login", data={"email": "door@festa.test",
                                           "password": "long-enough-secret"})
    assert response.status_code == 302


def test_user_create_refuses_weak_passwords_and_duplicates(runner):
    weak = runner.invoke(args=["festa", "user", "create", "a@festa.test", "--role", "admin",
                               "--password", "short"])
    assert weak.exit_code != 0 and "at least" in weak.output
    args = ["festa", "user", "create", "b@festa.test", "--role", "organizer",
            "--password", "long-enough-secret"]
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=args)
    assert again.exit_code != 0 and "exists already" in again.output


def test_demo_loads_once_and_prints_working_logins(runner):
    assert "loaded" in runner.invoke(args=["festa", "demo", "--if-empty"]).output
    events = db.session.scalar(sa.select(sa.func.count(Event.id)))
    assert "not loaded" in runner.invoke(args=["festa", "demo", "--if-empty"]).output
    runner.invoke(args=["festa", "demo"])
    assert db.session.scalar(sa.select(sa.func.count(Event.id))) == events == 2
    logins = runner.invoke(args=["festa", "demo-logins"]).output
    assert "organizer@festa.demo" in logins and "/login" in logins
    # A demo password that was changed is no longer printed.
    user = db.session.scalar(sa.select(User).where(User.email == "door@festa.demo"))
    user.set_password("changed-by-the-organizer")
    db.session.commit()
    assert "door@festa.demo" not in runner.invoke(args=["festa", "demo-logins"]).output
