"""Event teams: organizers and door staff act only on the events whose team they are on;
admins act on every event.

Anything that belongs to an event answers `event_id` (an event is its own: see
`event_id_of`), so one check covers pages and API alike. An object of an event the staff
member is not on the team of is answered like a missing one (404): its existence is not
revealed either.
"""

from __future__ import annotations

from typing import TypeVar

import sqlalchemy as sa
from flask import abort
from flask_babel import gettext as _
from flask_login import current_user

from festa.audit.services import record
from festa.auth.models import Role, TeamMember, User
from festa.auth.services import create_user, normalize_email
from festa.core.transactions import transactional
from festa.errors import FestaError
from festa.extensions import db

T = TypeVar("T")

# Who can be put on a team: admins are on every team already.
TEAM_ROLES = (Role.ORGANIZER, Role.DOOR)


def event_id_of(obj: object) -> int | None:
    """The event an object belongs to; None for things shared by all events (venues,
    speakers, staff accounts)."""
    if type(obj).__tablename__ == "events":
        return obj.id
    return getattr(obj, "event_id", None)


def event_scope(user: User, event_id_column: sa.ColumnElement) -> sa.ColumnElement[bool]:
    """A WHERE clause keeping the rows of the events `user` may see."""
    if user.sees_every_event:
        return sa.true()
    return event_id_column.in_(
        sa.select(TeamMember.event_id).where(TeamMember.user_id == user.id))


def team_event_ids(user: User) -> set[int] | None:
    """The ids of the events on whose teams `user` is; None means every event (admins)."""
    if user.sees_every_event:
        return None
    return set(db.session.scalars(
        sa.select(TeamMember.event_id).where(TeamMember.user_id == user.id)))


def scoped_or_404(model: type[T], ident: int) -> T:
    """The object for the logged-in staff member, or 404 when it does not exist or belongs
    to an event not theirs."""
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    event_id = event_id_of(obj)
    if event_id is not None and not current_user.is_on_team(event_id):
        abort(404)
    return obj


def team_members(event_id: int) -> list[User]:
    """The event's team, by role and e-mail."""
    return list(db.session.scalars(
        sa.select(User).join(TeamMember, TeamMember.user_id == User.id)
        .where(TeamMember.event_id == event_id).order_by(User.role, User.email)))


def put_on_team(event_id: int, user: User) -> bool:
    """Put `user` on the event's team unless already there (True when added); not audited
    on its own: the caller records why (an event created, the command line, the demo)."""
    if db.session.get(TeamMember, (event_id, user.id)) is not None:
        return False
    db.session.add(TeamMember(event_id=event_id, user_id=user.id))
    db.session.flush()
    return True


@transactional
def add_to_team(event: object, email: str) -> User:
    """Put an organizer or door staff account on the event's team (audited). Adding
    someone already on it changes nothing."""
    user = db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))
    if user is None:
        message = _("There is no staff account with this e-mail.")
        raise FestaError("unknown_user", message, fields={"email": [message]})
    if user.role not in TEAM_ROLES:
        message = _("Admins act on every event; they need no team.")
        raise FestaError("admin_on_every_team", message, fields={"email": [message]})
    if put_on_team(event.id, user):
        record("team.add", event, details={"user_id": user.id, "role": user.role})
    return user


@transactional
def remove_from_team(event: object, user: User) -> None:
    """Take a staff member off the event's team (audited)."""
    member = db.session.get(TeamMember, (event.id, user.id))
    if member is not None:
        db.session.delete(member)
        record("team.remove", event, details={"user_id": user.id, "role": user.role})


@transactional
def create_team_member(email: str, password: str, role: str, events: list,
                       name: str = "") -> User:
    """A new staff account on these events' teams (audited), all or nothing: the command
    line's `user create --event SLUG`."""
    user = create_user(email, password, role, name=name)
    db.session.flush()
    for event in events:
        put_on_team(event.id, user)
        record("team.add", event, details={"user_id": user.id, "role": user.role})
    return user
