"""Personal API tokens of organizers: list, issue (shown once), revoke — each audited."""

from __future__ import annotations

import sqlalchemy as sa

from festa.audit.services import record
from festa.auth.models import ApiToken, User
from festa.auth.services import create_api_token
from festa.core.transactions import transactional
from festa.dbtypes import utcnow
from festa.errors import FestaError
from festa.extensions import db


def user_tokens(user: User) -> list[ApiToken]:
    """The user's tokens, working ones first, newest first."""
    return list(db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user.id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(),
                  ApiToken.id.desc())))


@transactional
def issue_token(user: User, name: str = "") -> str:
    """A new token for `user`; returns the plain token, which is never shown again."""
    if not user.can_manage_programme():
        raise FestaError("forbidden", "Only organizers and admins get API tokens.", status=403)
    token = create_api_token(user, name=name)
    db.session.flush()
    record("api_token.create", user, user_id=user.id, details={"name": name})
    return token


@transactional
def revoke_token(user: User, token_id: int) -> ApiToken:
    """Stop one of the user's tokens from working (at once)."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise FestaError("not_found", "No such token.", status=404)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record("api_token.revoke", token, user_id=user.id, details={"name": token.name})
    return token
