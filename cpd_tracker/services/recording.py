"""Storing the library's own statements: with every read model, in one transaction, committed.

Every service (an officer logging CPD, a lead's decision, an import) stores through
:func:`record`, so each keeps the same read models in step (the listeners of
:func:`cpd_tracker.projection.listeners`) and the same statements reach the forwarding outbox.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cpd_tracker.config import Settings
from cpd_tracker.projection import listeners
from xapi import StatementConflict, StatementStore


def record(session: Session, settings: Settings, statements: list[dict[str, Any]], *,
           authority: dict[str, Any], on_conflict: Exception) -> list[dict[str, Any]]:
    """Store statements with every read model and the outbox, and commit: the one way the
    library records its own statements. Any error rolls the whole transaction back; a statement
    id already used for other content raises ``on_conflict`` (the caller's words for "already
    sent")."""
    store = StatementStore(session, listeners=listeners(settings))
    try:
        stored = store.add_many(statements, authority=authority)
        session.commit()
    except StatementConflict:
        session.rollback()
        raise on_conflict from None
    except BaseException:
        session.rollback()
        raise
    return stored
