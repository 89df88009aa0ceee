"""Services own their transaction: a view or a command calls one service, and that service
commits what it changed, or rolls all of it back when it fails. Views never commit.

`@transactional` marks such a service. Called from a view, a command or a test, it commits
on success and rolls back on any exception (then raises it). Called from inside another
transactional service, it joins that one's transaction: only the outermost commits, so a
service built from others (a programme import: venues, rooms, sessions, speakers) is still
all or nothing. `rehearsal()` runs services to see what they would do, and keeps nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

from festa.extensions import db

P = ParamSpec("P")
T = TypeVar("T")

_DEPTH = "festa.transaction_depth"


def transactional(service: Callable[P, T]) -> Callable[P, T]:
    @wraps(service)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        info = db.session.info
        depth = info.get(_DEPTH, 0)
        info[_DEPTH] = depth + 1
        try:
            result = service(*args, **kwargs)
            if depth == 0:
                db.session.commit()
            return result
        except BaseException:
            if depth == 0:
                db.session.rollback()
            raise
        finally:
            info[_DEPTH] = depth

    return run


def commit_keeping_state() -> None:
    """Commit without expiring the objects the session holds, for a service whose caller
    answers from the rows it has just written (as committed) instead of reading them again.
    Whatever may have changed them since must be read with populate_existing or after a
    later (ordinary) commit."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def read_alone(read: Callable[[], T]) -> T:
    """`read()`'s answer, with the transaction it opened ended again: a request that had none
    going still has none afterwards, so its hot statement can still run alone (autocommit,
    see festa.checkin.recording) instead of inside a transaction this read left open, with
    the rows it locks held across a round trip and whatever the app does before its COMMIT.
    Inside a caller's transaction the read simply joins it."""
    session = db.session()
    if session.in_transaction():
        return read()
    try:
        value = read()
    except BaseException:
        session.rollback()
        raise
    if session.in_transaction() and not (session.new or session.dirty or session.deleted):
        # It only read; COMMIT rather than ROLLBACK all the same: psycopg forgets every
        # statement it prepared on the connection at a ROLLBACK (DEALLOCATE ALL).
        session.commit()
    return value


AUTOCOMMIT = {"isolation_level": "AUTOCOMMIT"}


def read_in_autocommit() -> None:
    """On PostgreSQL, run what the session reads next on a connection in autocommit (no
    BEGIN, no COMMIT round trip), for a request that reads and then writes everything in
    one statement of its own (a registration: festa.registration.recording). Before
    writes that must share a transaction the caller ends it (`commit_keeping_state`, no
    round trip then). Nothing changes when the session has a transaction going already, or
    on SQLite (whose writer must hold its lock from the first write to the commit)."""
    session = db.session()
    if not session.in_transaction() and session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options=AUTOCOMMIT)


def autocommitting() -> bool:
    """Whether the session's transaction runs in autocommit (`read_in_autocommit`)."""
    session = db.session()
    return (session.in_transaction()
            and session.connection().get_execution_options().get("isolation_level")
            == AUTOCOMMIT["isolation_level"])


@contextmanager
def rehearsal() -> Iterator[None]:
    """Run services for their answer only (an import's preview): inside, they join one
    transaction that is rolled back at the end, so nothing they change is kept."""
    info = db.session.info
    depth = info.get(_DEPTH, 0)
    info[_DEPTH] = depth + 1
    try:
        yield
    finally:
        info[_DEPTH] = depth
        db.session.rollback()
