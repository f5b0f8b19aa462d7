"""When the library may commit the host's session: never over work of the host's.

The library works in the host's ``db.session``, so one transaction can span the host's writes
and the library's. Two kinds of commit follow (the embedding guide states them):

- **Services commit.** A service (logging CPD, a lead's decision, an import) stores a record
  and commits the session, so the record and everything derived from it land together.
- **Reads never commit work of the host's.** A page that only reads may still write for itself
  (the learner row kept in step with the host's profile, the kept standings). Those writes are
  committed on their own when the host has nothing pending in the session; otherwise they go
  into a savepoint of the host's transaction and land when the host commits (or vanish with its
  rollback, to be redone on the next read: both are derived from the record).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.orm import Session, scoped_session


def host_work_pending(session: Session) -> bool:
    """Whether ``session`` holds writes not yet committed: objects added, changed or deleted
    and not flushed, or flushed writes its open transaction has not committed.

    Flushed writes are asked of the database where it can tell (SQLite's connection knows
    whether it has begun a write; PostgreSQL whether the transaction has an id yet); any
    other database is assumed to hold some.
    """
    if isinstance(session, scoped_session):
        session = session()  # Flask-SQLAlchemy's db.session: ask the request's own session
    if session.new or session.dirty or session.deleted:
        return True
    if not session.in_transaction():
        return False
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "sqlite":
        return bool(connection.connection.dbapi_connection.in_transaction)  # type: ignore[union-attr]
    if dialect == "postgresql":
        return bool(connection.scalar(sa.text("SELECT txid_current_if_assigned() IS NOT NULL")))
    return True


@contextmanager
def own_writes(session: Session, *, pending: bool | None = None) -> Iterator[bool]:
    """Run the writes a read makes for itself: committed when the host has nothing pending in
    ``session`` (checked now, unless the caller checked before it began), else in a savepoint
    of the host's transaction. Yields whether they will be committed here."""
    if pending is None:
        pending = host_work_pending(session)
    if pending:
        with session.begin_nested():
            yield False
        return
    try:
        yield True
        session.commit()
    except BaseException:
        session.rollback()
        raise
