"""Marks: whose standings must be judged again.

The write side (a statement stored, a role assigned, a profile synced, a framework loaded)
marks people in its own transaction; :func:`cpd_tracker.judging.standings.refresh` reads the
marks, judges those people again and deletes the marks. Both sides meet at this table only, so
the write side needs nothing of the judging.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cpd_tracker.models import StandingMark


def mark(session: Session, learner_ids: Iterable[int]) -> None:
    """Their standings must be judged again (in the caller's transaction)."""
    found = sorted(set(learner_ids))
    if found:
        session.execute(sa.insert(StandingMark), [{"learner_id": i} for i in found])


def mark_everyone(session: Session) -> None:
    """Every standing must be judged again: a framework changed, or read models were rebuilt."""
    session.execute(sa.insert(StandingMark), [{"learner_id": None}])
