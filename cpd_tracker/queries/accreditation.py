"""A person's accreditations as their page shows them: each scheme's record, what renewal
needs, and the latest renewal with its files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cpd_tracker import frameworks
from cpd_tracker.config import Settings
from cpd_tracker.engine.accreditation import AccreditationJudgement, AccreditationRules
from cpd_tracker.judging.accreditation import RenewalNeeds, renewal_needs
from cpd_tracker.models import Accreditation, Evidence, Learner, Renewal


@dataclass(frozen=True)
class PersonAccreditation:
    """One scheme as a person's accreditation page shows it: the record, what renewal needs,
    and the latest renewal with its files (the one waiting, or the last decided)."""

    rules: AccreditationRules
    record: Accreditation | None
    needs: RenewalNeeds
    latest_renewal: Renewal | None
    renewal_files: tuple[Evidence, ...]

    @property
    def judgement(self) -> AccreditationJudgement:
        return self.needs.judgement


def person_accreditations(session: Session, settings: Settings, learner: Learner, *,
                          today: date) -> list[PersonAccreditation]:
    """Every scheme for a role ``learner`` holds today, and any other they have a record in
    (a role since ended), by name."""
    held = {held.role.code for held in learner.roles if held.held_on(today)}
    recorded = {record.scheme: record for record in session.scalars(
        sa.select(Accreditation).where(Accreditation.learner_id == learner.id))}
    found = []
    for rules in frameworks.schemes_for(session):
        if rules.scheme not in recorded and not held & set(rules.roles):
            continue
        latest = session.scalar(sa.select(Renewal).where(
            Renewal.learner_id == learner.id, Renewal.scheme == rules.scheme)
            .order_by(Renewal.submitted_at.desc(), Renewal.id.desc()).limit(1))
        found.append(PersonAccreditation(
            rules, recorded.get(rules.scheme),
            renewal_needs(session, settings, learner, rules.scheme, today=today), latest,
            renewal_files(session, latest) if latest else ()))
    return found


def renewal_files(session: Session, renewal: Renewal) -> tuple[Evidence, ...]:
    """The evidence files a renewal carries, in the order they were attached."""
    return tuple(session.scalars(sa.select(Evidence).where(
        Evidence.statement_id == renewal.statement_id, Evidence.activity_iri.is_(None))
        .order_by(Evidence.id)))
