"""The nightly compliance snapshot: how the force stood each day, kept for trend charts, and
who changed status, for the leads' weekly digest.

Compliance is always computed from the record (:func:`~cpd_tracker.judging.assessment.assess`), so a
past day can be judged again, but not as it was *seen* then: CPD logged late, backdated, moves
a past day's figures. The snapshot keeps what the force looked like on the night, which is what
a trend chart means. It is small: counts by role, unit and status
(:class:`~cpd_tracker.models.SnapshotCount`), and a row per person only when their status in a
role changes (:class:`~cpd_tracker.models.StatusChange`).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.orm import Session

from cpd_tracker.config import Settings
from cpd_tracker.judging.assessment import assess
from cpd_tracker.models import Learner, Snapshot, SnapshotCount, StatusChange

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SnapshotReport:
    """What one snapshot run did: ``taken`` is ``False`` when the day had one already."""

    taken_on: date
    taken: bool
    people: int = 0
    standings: int = 0
    changes: int = 0

    def __str__(self) -> str:
        if not self.taken:
            return f"compliance snapshot of {self.taken_on.isoformat()}: already taken"
        return (f"compliance snapshot of {self.taken_on.isoformat()}: {self.people} people, "
                f"{self.standings} standings, {self.changes} status change(s)")


def take(session: Session, settings: Settings, *, as_of: date) -> SnapshotReport:
    """Take the snapshot of ``as_of`` once: counts and status changes in one transaction, or
    nothing if the day has one (a second scheduler, a rerun)."""
    if session.scalar(sa.select(Snapshot.id).where(Snapshot.taken_on == as_of)) is not None:
        session.rollback()
        return SnapshotReport(as_of, taken=False)
    standings = assess(session, settings, as_of=as_of)
    last = _last_statuses(session, as_of)
    snapshot = Snapshot(taken_on=as_of, people=len({s.learner_id for s in standings}),
                        standings=len(standings))
    try:
        with session.begin_nested():
            session.add(snapshot)
            session.flush()
    except exc.IntegrityError:  # the twin run took it while we judged
        session.rollback()
        return SnapshotReport(as_of, taken=False)
    counts = Counter((s.role_code, s.org_unit, s.judgement.status.value) for s in standings)
    if counts:
        session.execute(sa.insert(SnapshotCount), [
            {"snapshot_id": snapshot.id, "role_code": role, "org_unit": unit, "status": status,
             "count": count} for (role, unit, status), count in sorted(
                counts.items(), key=lambda item: (item[0][0], item[0][1] or "", item[0][2]))])
    changes = [{"snapshot_id": snapshot.id, "learner_id": s.learner_id, "role_code": s.role_code,
                "changed_on": as_of, "from_status": last.get((s.learner_id, s.role_code)),
                "to_status": s.judgement.status.value}
               for s in standings
               if last.get((s.learner_id, s.role_code)) != s.judgement.status.value]
    if changes:
        session.execute(sa.insert(StatusChange), changes)
    session.commit()
    report = SnapshotReport(as_of, taken=True, people=snapshot.people,
                            standings=snapshot.standings, changes=len(changes))
    log.info("%s", report)
    return report


def _last_statuses(session: Session, before: date) -> dict[tuple[int, str], str]:
    """Each person's status in each role as last snapshotted before ``before`` (by day, so a
    missed night taken late compares with the night before it, not the latest taken)."""
    latest = sa.func.row_number().over(
        partition_by=(StatusChange.learner_id, StatusChange.role_code),
        order_by=(StatusChange.changed_on.desc(), StatusChange.id.desc())).label("latest")
    ranked = (sa.select(StatusChange.learner_id, StatusChange.role_code,
                        StatusChange.to_status, latest)
              .where(StatusChange.changed_on < before).subquery())
    rows = session.execute(sa.select(ranked.c.learner_id, ranked.c.role_code,
                                     ranked.c.to_status).where(ranked.c.latest == 1))
    return {(learner_id, role): status for learner_id, role, status in rows}


@dataclass(frozen=True)
class Change:
    """One person's change of status in one role, for the digest."""

    learner_id: int
    reference: str
    name: str
    org_unit: str | None
    role_code: str
    changed_on: date
    from_status: str | None
    to_status: str


def changes_between(session: Session, since: date, until: date) -> list[Change]:
    """Status changes snapshotted after ``since`` up to ``until``, each person and role's
    latest, leaving out first records (no earlier status) and changes back to where the
    person was on ``since``."""
    rows = session.execute(
        sa.select(StatusChange.learner_id, Learner.reference, Learner.name, Learner.org_unit,
                  StatusChange.role_code, StatusChange.changed_on, StatusChange.from_status,
                  StatusChange.to_status)
        .join(Learner, Learner.id == StatusChange.learner_id)
        .where(StatusChange.changed_on > since, StatusChange.changed_on <= until)
        .order_by(StatusChange.id))
    first: dict[tuple[int, str], str | None] = {}
    found: dict[tuple[int, str], Change] = {}
    for row in rows:
        key = (row.learner_id, row.role_code)
        first.setdefault(key, row.from_status)
        found[key] = Change(row.learner_id, row.reference, row.name, row.org_unit, row.role_code,
                            row.changed_on, first[key], row.to_status)
    return [change for change in found.values()
            if change.from_status is not None and change.from_status != change.to_status]
