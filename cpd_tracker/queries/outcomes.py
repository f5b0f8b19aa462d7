"""Reading recorded cycle outcomes: a person's past cycles, and each person's last one.

Rules unmet are stored by code; they are shown by the labels of the version that judged the
cycle, so a person reads "Hours of CPD", never ``hours``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cpd_tracker import frameworks
from cpd_tracker.config import Settings
from cpd_tracker.engine.cycles import Cycle
from cpd_tracker.judging.outcomes import cycles_to_close
from cpd_tracker.models import CycleOutcome, Learner, Role
from cpd_tracker.record.cycle_statements import OUTCOMES


@dataclass(frozen=True)
class PastCycle:
    """One ended cycle of a person in a role, as recorded."""

    learner_id: int
    reference: str
    name: str
    role_code: str
    role_name: str
    cycle: Cycle
    due: date
    outcome: str
    #: The labels of the rules not met.
    unmet: tuple[str, ...]
    judged_by: str
    reason: str
    judged_at: datetime

    @property
    def label(self) -> str:
        """``"Met"``, ``"Met within an extension"``, ``"Not met"``, ``"Exempt"``."""
        return OUTCOMES[self.outcome]

    @property
    def met(self) -> bool:
        return self.outcome in ("met", "met-late", "exempt")


def past_cycles(session: Session, *, learner_ids: Iterable[int] | None = None,
                role_code: str | None = None, limit: int | None = None,
                categories: dict[str, str] | None = None) -> list[PastCycle]:
    """Recorded outcomes, newest cycle first (then by name and role). ``categories`` (the
    force's, by code) name the rules that count a category, as the pages do."""
    query = _recorded_query().order_by(CycleOutcome.cycle_end.desc(), Learner.name, Role.name)
    if learner_ids is not None:
        query = query.where(CycleOutcome.learner_id.in_(sorted(set(learner_ids))))
    if role_code is not None:
        query = query.where(Role.code == role_code)
    if limit is not None:
        query = query.limit(limit)
    return _recorded(session, query, categories)


def last_closed(session: Session, settings: Settings, *, as_of: date,
                learner_ids: Iterable[int] | None = None) -> dict[tuple[int, str], PastCycle]:
    """Each person's last cycle in each role that was due before ``as_of``, with its outcome:
    as recorded, or, for one the daily job has not recorded yet, as it will record it."""
    query = _recorded_query().where(CycleOutcome.due_on < as_of)
    people = None if learner_ids is None else frozenset(learner_ids)
    if people is not None:
        query = query.where(CycleOutcome.learner_id.in_(sorted(people)))
    found: dict[tuple[int, str], PastCycle] = {}
    for past in _recorded(session, query, dict(settings.categories)):
        key = (past.learner_id, past.role_code)
        if key not in found or found[key].cycle.end < past.cycle.end:
            found[key] = past
    for ended in cycles_to_close(session, settings, today=as_of, learner_ids=people):
        key = (ended.learner_id, ended.role_code)
        if key in found and found[key].cycle.end >= ended.facts.cycle_end:
            continue
        judgement = ended.judgement
        by_code = {result.rule.code: result.rule.label for result in judgement.rules}
        found[key] = PastCycle(
            ended.learner_id, ended.reference, ended.name, ended.role_code, ended.role_name,
            judgement.cycle, ended.facts.due, ended.facts.outcome,
            tuple(by_code.get(code, code) for code in ended.facts.unmet),
            "", "Not recorded yet: the daily job records it.", datetime.min)
    return found


def _recorded_query() -> sa.Select[Any]:
    return (sa.select(CycleOutcome, Learner.reference, Learner.name, Role.code, Role.name)
            .join(Learner, Learner.id == CycleOutcome.learner_id)
            .join(Role, Role.id == CycleOutcome.role_id))


def _recorded(session: Session, query: sa.Select[Any],
              categories: dict[str, str] | None) -> list[PastCycle]:
    """The recorded outcomes ``query`` finds, the rules unmet named by the version's labels."""
    rows = session.execute(query).all()
    labels = _rule_labels(session, {(code, row.cycle_start) for row, _, _, code, _ in rows},
                          categories)
    return [PastCycle(row.learner_id, reference, name, code, role_name,
                      Cycle(row.cycle_start, row.cycle_end), row.due_on, row.outcome,
                      tuple(labels.get((code, row.cycle_start), {}).get(rule, rule)
                            for rule in json.loads(row.unmet or "[]")),
                      row.judged_by, row.reason, row.judged_at)
            for row, reference, name, code, role_name in rows]


def _rule_labels(session: Session, cycles: set[tuple[str, date]],
                 categories: dict[str, str] | None) -> dict[tuple[str, date], dict[str, str]]:
    if not cycles:
        return {}
    catalogue = frameworks.catalogue(session, {code for code, _ in cycles},
                                     categories=categories)
    labels: dict[tuple[str, date], dict[str, str]] = {}
    for code, start in cycles:
        versions = catalogue.get(code)
        requirements = versions.in_force(start) if versions else None
        if requirements is None and versions is not None and versions.versions:
            requirements = versions.versions[0].requirements
        if requirements is not None:
            labels[(code, start)] = {rule.code: rule.label for rule in requirements.rules}
    return labels
