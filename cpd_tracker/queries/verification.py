"""The leads' verification queue: evidence and renewals awaiting a decision, oldest first.

Only what the lead may decide is listed (the condition of
:func:`cpd_tracker.permissions.visible`), in a bounded number of queries whatever the queue's
length.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cpd_tracker import permissions
from cpd_tracker.models import Activity, Evidence, Learner, LearnerRole, Renewal, Role
from cpd_tracker.paging import Page, page_of


@dataclass(frozen=True)
class QueueItem:
    """One thing waiting for a lead: a piece of evidence or a renewal."""

    kind: str  # "evidence" or "renewal"
    id: int
    submitted_at: datetime
    learner: Learner
    #: What it is: the activity's title, or the scheme being renewed.
    subject: str
    filename: str | None = None


def verification_queue(session: Session, access: permissions.Access, *,
                       role: str | None = None, unit: str | None = None, page: int = 1,
                       per_page: int = 25) -> Page[QueueItem]:
    """Evidence and renewals awaiting a decision that ``access`` may make, oldest first.

    Filtered by role code and unit; a bounded number of queries whatever the queue's length.
    """
    people = [permissions.visible(access, permissions.VERIFY)]
    if unit:
        people.append(Learner.org_unit == unit)
    if role:
        people.append(sa.exists().where(LearnerRole.learner_id == Learner.id,
                                        LearnerRole.role_id == Role.id, Role.code == role))
    evidence = (sa.select(sa.literal("evidence").label("kind"), Evidence.id.label("id"),
                          Evidence.submitted_at.label("submitted_at"))
                .join(Learner, Learner.id == Evidence.learner_id)
                .where(Evidence.status == "pending", Evidence.activity_iri.is_not(None),
                       *people))
    renewals = (sa.select(sa.literal("renewal").label("kind"), Renewal.id.label("id"),
                          Renewal.submitted_at.label("submitted_at"))
                .join(Learner, Learner.id == Renewal.learner_id)
                .where(Renewal.status == "pending", *people))
    waiting = sa.union_all(evidence, renewals).subquery()
    cut = page_of(session, sa.select(waiting.c.kind, waiting.c.id)
                  .order_by(waiting.c.submitted_at, waiting.c.kind, waiting.c.id),
                  page=page, per_page=per_page)
    rows = cut.items
    evidence_ids = [row.id for row in rows if row.kind == "evidence"]
    renewal_ids = [row.id for row in rows if row.kind == "renewal"]
    found: dict[tuple[str, int], QueueItem] = {}
    if evidence_ids:
        for item, title, learner in session.execute(
                sa.select(Evidence, Activity.title, Learner)
                .join(Learner, Learner.id == Evidence.learner_id)
                .outerjoin(Activity, sa.and_(Activity.learner_id == Evidence.learner_id,
                                             Activity.activity_iri == Evidence.activity_iri))
                .where(Evidence.id.in_(evidence_ids))):
            found[("evidence", item.id)] = QueueItem(
                "evidence", item.id, item.submitted_at, learner,
                title or "(activity withdrawn)", item.filename)
    if renewal_ids:
        for renewal, learner in session.execute(
                sa.select(Renewal, Learner).join(Learner, Learner.id == Renewal.learner_id)
                .where(Renewal.id.in_(renewal_ids))):
            found[("renewal", renewal.id)] = QueueItem(
                "renewal", renewal.id, renewal.submitted_at, learner,
                f"Renewal of {renewal.scheme}")
    return Page([found[(row.kind, row.id)] for row in rows if (row.kind, row.id) in found],
                cut.total, page, per_page)
