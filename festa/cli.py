"""`flask --app festa festa …`: maintenance commands for operators."""

from __future__ import annotations

from datetime import UTC, datetime

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup

from festa.auth.models import User
from festa.auth.services import AccountError, normalize_email
from festa.auth.teams import create_team_member
from festa.auth.tokens import issue_token
from festa.badges.services import save_layout
from festa.checkin.cli import create_device_token
from festa.config import is_production
from festa.errors import FestaError
from festa.extensions import db
from festa.opendata.programme_import import import_programme
from festa.outbox.services import deliver_due, waiting_count
from festa.program.demo import DEMO_LOGINS, festa_slug, load_demo, other_events
from festa.program.models import Event
from festa.registration.promotion import fill_all
from festa.registration.questions.demo import add_demo_questions
from festa.registration.retention import run_retention

festa_cli = AppGroup("festa", help="Festa maintenance commands.")
user_cli = AppGroup("user", help="Staff accounts.")
festa_cli.add_command(user_cli)


@user_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "organizer", "door"]), required=True)
@click.option("--event", "slugs", multiple=True, metavar="SLUG",
              help="Put the account on this event's team (repeatable). Organizers and door "
                   "staff act only on their teams' events; admins on all.")
@click.option("--name", default="")
@click.password_option("--password", prompt=True, confirmation_prompt=True)
def user_create(email: str, role: str, slugs: tuple[str, ...], name: str,
                password: str) -> None:
    """Create a staff account."""
    if slugs and role == "admin":
        raise click.ClickException("Admins act on every event; --event is for organizers "
                                   "and door staff.")
    events = []
    for slug in dict.fromkeys(slugs):
        event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
        if event is None:
            raise click.ClickException(f"No event {slug!r}.")
        events.append(event)
    try:
        user = create_team_member(email, password, role, events, name=name)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    teams = f" on the team of {', '.join(e.slug for e in events)}" if events else ""
    click.echo(f"Created {role} {user.email}{teams}")


@festa_cli.command("demo")
@click.option("--if-empty", is_flag=True, help="Only when the database has no events yet.")
@click.option("--alongside-other-events", is_flag=True,
              help="Load even though the database holds events that are not the demo's.")
def demo(if_empty: bool, alongside_other_events: bool) -> None:
    """Load the demo programme (idempotent: what is already there is left alone).

    Never on a production site (the demo's staff passwords are published), and not into a
    database holding real events unless --alongside-other-events says so."""
    if is_production(current_app.config):
        raise click.ClickException(
            "FESTA_BASE_URL is a public https:// site: the demo (with its published staff "
            "passwords) is not loaded in production.")
    if if_empty and db.session.scalar(sa.select(sa.func.count(Event.id))):
        click.echo("Database has events; demo not loaded.")
        return
    others = other_events()
    if others and not alongside_other_events:
        raise click.ClickException(
            f"The database holds other events ({', '.join(others[:5])}); demo not loaded. "
            "Add --alongside-other-events to load it anyway.")
    created = load_demo()
    festa = db.session.scalar(sa.select(Event).where(Event.slug == festa_slug(datetime.now(UTC))))
    band = add_demo_questions(festa) if festa is not None else None
    if band is not None:  # the badges show 소속 유형 as their coloured band
        save_layout(festa, "card", 1, band.id)
        created = True
    click.echo("Demo programme loaded." if created else "Demo programme already present.")


@festa_cli.command("demo-logins")
def demo_logins() -> None:
    """Print the demo staff logins (only those that still exist with the demo password)."""
    click.echo(f"  Demo staff logins ({current_app.config['FESTA_BASE_URL']}/login):")
    for role, email, password in DEMO_LOGINS:
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is not None and user.active and user.check_password(password):
            click.echo(f"    {role:<10} {email:<28} {password}")


mail_cli = AppGroup("mail", help="Outgoing mail (the outbox).")
festa_cli.add_command(mail_cli)


@mail_cli.command("send")
@click.option("--limit", default=100, show_default=True, help="At most this many messages.")
def mail_send(limit: int) -> None:
    """Deliver due outbox messages once (the app also delivers in the background)."""
    sent = deliver_due(limit)
    click.echo(f"Sent {sent} message(s).")
    waiting = waiting_count()
    if waiting:

        reason = "" if current_app.config.get("MAIL_SERVER") else " (MAIL_SERVER is not set)"
        click.echo(f"{waiting} message(s) still waiting in the outbox{reason}.")


device_cli = AppGroup("device", help="Scanning devices at the door.")
festa_cli.add_command(device_cli)


@device_cli.command("create")
@click.option("--event", "slug", required=True, help="The event's slug.")
@click.option("--checkpoint", "checkpoint_id", type=int, help="Checkpoint id (default: the "
              "event's entrance).")
@click.option("--name", default="", help="A name for the device, e.g. 'Gate 3 phone'.")
def device_create(slug: str, checkpoint_id: int | None, name: str) -> None:
    """Print a new device token (one line, nothing else); pair at /door/pair/<token>."""
    click.echo(create_device_token(slug, checkpoint_id, name))


token_cli = AppGroup("token", help="Personal API tokens of staff users.")
festa_cli.add_command(token_cli)


@token_cli.command("create")
@click.argument("email")
@click.option("--name", default="cli", help="What the token is for.")
def token_create(email: str, name: str) -> None:
    """Print a new personal API token for that staff user (one line, nothing else)."""
    user = db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))
    if user is None:
        raise click.ClickException(f"No staff account for {email}.")
    try:
        token = issue_token(user, name)
    except FestaError as error:
        raise click.ClickException(error.message) from error
    click.echo(token)


waitlists_cli = AppGroup("waitlists", help="Event and session waitlists.")
festa_cli.add_command(waitlists_cli)


@waitlists_cli.command("fill")
@click.option("--event", "slug", default=None, help="Only this event (slug).")
def waitlists_fill(slug: str | None) -> None:
    """Hand every free seat to whoever waits (idempotent; normally automatic)."""
    query = sa.select(Event).order_by(Event.id)
    if slug:
        query = query.where(Event.slug == slug)
    events = db.session.scalars(query).all()
    if slug and not events:
        raise click.ClickException(f"No event {slug!r}.")
    moved = sum(fill_all(event) for event in events)
    click.echo(f"Moved {moved} off the waitlists.")


def init_app(app: Flask) -> None:
    app.cli.add_command(festa_cli)


retention_cli = AppGroup("retention", help="Keeping personal data only as long as promised.")
festa_cli.add_command(retention_cli)


@retention_cli.command("run")
@click.option("--dry-run", is_flag=True, help="Only print what would be anonymised.")
def retention_run(dry_run: bool) -> None:
    """Anonymise the personal data of every event whose retention period has passed;
    prints, per event, what it would or did anonymise."""
    results = run_retention(datetime.now(UTC).date(), dry_run=dry_run)
    verb = "would anonymise" if dry_run else "anonymised"
    for result in results:
        click.echo(f"{result.slug}: {verb} {result.registrations} registration(s) "
                   f"(kept until {result.erase_after.isoformat()})")
    if not results:
        click.echo("Nothing to anonymise.")


programme_cli = AppGroup("programme", help="The programme of an event.")
festa_cli.add_command(programme_cli)


@programme_cli.command("import")
@click.option("--event", "slug", required=True, help="The event's slug (created from a "
              "schedule.json or schedule.xml when new).")
@click.argument("file", type=click.File("rb"))
@click.option("--timezone", help="The event's time zone where the file names none.")
@click.option("--apply", "apply_it", is_flag=True, help="Import (without: preview only).")
@click.option("--publish", is_flag=True, help="With --apply: publish the schedule and event.")
def programme_import(slug: str, file, timezone: str | None, apply_it: bool,
                     publish: bool) -> None:
    """Preview or import a programme file: CSV, schedule.json (C3VOC, frab, pretalx) or
    frab schedule.xml. Prints counts and warnings; exit status 1 on errors."""
    if publish and not apply_it:
        raise click.UsageError("--publish needs --apply.")
    result = import_programme(slug, file.name, file.read(), timezone, apply_it, publish)
    for problem in result.warnings:
        click.echo(f"warning: line {problem['line']}, {problem['field']}: {problem['message']}")
    if result.errors:
        for problem in result.errors:
            click.echo(f"error: line {problem['line']}, {problem['field']}: "
                       f"{problem['message']}", err=True)
        click.echo("Nothing was imported.", err=True)
        raise SystemExit(1)
    if result.event_created:
        click.echo(f"event {slug}: {'created' if apply_it else 'would be created'} from the file")
    summary = result.summary or {}
    state = "imported" if apply_it else "preview; --apply imports"
    click.echo(f"sessions: {summary.get('created', 0)} new, {summary.get('updated', 0)} updated, "
               f"{summary.get('unchanged', 0)} unchanged ({state})")
    click.echo(f"new rooms: {summary.get('rooms', 0)}, tracks: {summary.get('tracks', 0)}, "
               f"speakers: {summary.get('speakers', 0)}")
    if summary.get("ids_ignored"):
        click.echo(f"ids that are not this event's sessions (matched by title and start "
                   f"instead): {summary['ids_ignored']}")
    if result.published:
        click.echo(f"published schedule version {result.published}")
