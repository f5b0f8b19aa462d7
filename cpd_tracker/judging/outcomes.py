"""Which cycles have ended without a recorded outcome, and how each ended.

A cycle ends for good on its due date: its last day, or the date a lead extended it to. The day
after, it is judged once as things stood on that day (:func:`cycles_to_close`) and the outcome
recorded as a statement (:mod:`cpd_tracker.services.outcomes`): met, met within an extension,
not met (with the rules unmet) or exempt. Rolling windows never end, so they have no outcomes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cpd_tracker import frameworks
from cpd_tracker.config import Settings
from cpd_tracker.engine.compliance import Judgement, Status
from cpd_tracker.engine.cycles import Cycle
from cpd_tracker.judging.assessment import Scope, anchor_of, assess
from cpd_tracker.models import Allowance, CycleOutcome, LearnerRole, Role
from cpd_tracker.record.cycle_statements import CycleOutcomeFacts

#: No person is walked back through more cycles than this in one run (a 1-year cycle since
#: the 1970s); a run records the newest first, so the next run carries on.
_MOST_CYCLES = 60


@dataclass(frozen=True)
class EndedCycle:
    """A cycle whose due date has passed, judged as of that date, with its outcome."""

    learner_id: int
    reference: str
    name: str
    role_code: str
    role_name: str
    facts: CycleOutcomeFacts
    judgement: Judgement


@dataclass(frozen=True)
class _Wanted:
    learner_id: int
    role_code: str
    cycle: Cycle
    due: date


def cycles_to_close(session: Session, settings: Settings, *, today: date,
                    learner_ids: frozenset[int] | None = None) -> list[EndedCycle]:
    """Every cycle due before ``today`` that has no recorded outcome, judged as of its due
    date: one assessment per distinct due date, of only the people with a cycle due then.

    Each person is walked back from their latest ended cycle to the first they held the role
    in (or the first a framework version covers), stopping at one already recorded.
    """
    wanted = _wanted(session, settings, today=today, learner_ids=learner_ids)
    by_due: dict[date, list[_Wanted]] = defaultdict(list)
    for found in wanted:
        by_due[found.due].append(found)
    ended: list[EndedCycle] = []
    for due, group in sorted(by_due.items()):
        people = frozenset(found.learner_id for found in group)
        judged = {(s.learner_id, s.role_code): s for s in assess(
            session, settings, as_of=due, scope=Scope(learners=people))}
        late = [found for found in group if found.due > found.cycle.end]
        at_end = _at_end(session, settings, late)
        for found in group:
            standing = judged.get((found.learner_id, found.role_code))
            if standing is None or standing.judgement.cycle != found.cycle:
                continue
            judgement = standing.judgement
            outcome, unmet = outcome_of(judgement)
            if outcome == "met" and at_end.get((found.learner_id, found.role_code)) is False:
                outcome = "met-late"
            ended.append(EndedCycle(
                standing.learner_id, standing.reference, standing.name,
                found.role_code, judgement.requirements.role_name,
                CycleOutcomeFacts(found.role_code, found.cycle.start, found.cycle.end, due,
                                  outcome, unmet), judgement))
    return ended


def outcome_of(judgement: Judgement) -> tuple[str, tuple[str, ...]]:
    """How a cycle judged as of its due date ended: ``met``, ``exempt`` or ``not-met`` with
    the codes of the rules unmet."""
    if judgement.status is Status.EXEMPT:
        return "exempt", ()
    unmet = tuple(result.rule.code for result in judgement.unmet)
    return ("not-met", unmet) if unmet else ("met", ())


def _at_end(session: Session, settings: Settings, late: list[_Wanted]
            ) -> dict[tuple[int, str], bool]:
    """For extended cycles: whether each was already met on its original last day."""
    by_end: dict[date, set[int]] = defaultdict(set)
    for found in late:
        by_end[found.cycle.end].add(found.learner_id)
    met: dict[tuple[int, str], bool] = {}
    for end, people in by_end.items():
        for standing in assess(session, settings, as_of=end, scope=Scope(learners=frozenset(
                people))):
            met[(standing.learner_id, standing.role_code)] = (
                standing.judgement.status in (Status.COMPLIANT, Status.EXEMPT))
    return met


def _wanted(session: Session, settings: Settings, *, today: date,
            learner_ids: frozenset[int] | None) -> list[_Wanted]:
    catalogue = frameworks.catalogue(session, categories=dict(settings.categories))
    holdings = (sa.select(LearnerRole.learner_id, LearnerRole.role_id, Role.code,
                          LearnerRole.started_on, LearnerRole.ended_on,
                          LearnerRole.accredited_on)
                .join(Role, Role.id == LearnerRole.role_id)
                .where(LearnerRole.started_on < today))
    outcomes = sa.select(CycleOutcome.learner_id, CycleOutcome.role_id, CycleOutcome.cycle_start)
    extensions = (sa.select(Allowance.learner_id, Allowance.role_id, Allowance.cycle_start,
                            sa.func.max(Allowance.extended_to))
                  .where(Allowance.kind == "extension")
                  .group_by(Allowance.learner_id, Allowance.role_id, Allowance.cycle_start))
    if learner_ids is not None:
        people = sorted(learner_ids)
        holdings = holdings.where(LearnerRole.learner_id.in_(people))
        outcomes = outcomes.where(CycleOutcome.learner_id.in_(people))
        extensions = extensions.where(Allowance.learner_id.in_(people))
    recorded = {(person, role, start) for person, role, start in session.execute(outcomes)}
    extended = {(person, role, start): to for person, role, start, to
                in session.execute(extensions)}
    per_person = {code for code, versions in catalogue.items()
                  if any(v.requirements.cycle.kind == "anniversary" for v in versions.versions)}
    accredited_on = frameworks.accreditation_dates(session, learner_ids) if per_person else {}
    yesterday = today - timedelta(days=1)
    wanted: list[_Wanted] = []
    for person, role_id, code, started, ended, accredited in session.execute(holdings):
        versions = catalogue.get(code)
        if versions is None:
            continue
        anchor = (anchor_of(versions, accredited_on.get((person, code)), accredited, started)
                  if code in per_person else None)
        day = min(yesterday, ended) if ended else yesterday
        seen: set[date] = set()
        for _ in range(_MOST_CYCLES):
            found = versions.for_day(day, anchor)
            if found is None or found[0].cycle.kind == "rolling":
                break
            cycle = found[1]
            if cycle.start in seen:
                break  # days before an anniversary's anchor fall in its first cycle: done
            seen.add(cycle.start)
            if cycle.end < started or (person, role_id, cycle.start) in recorded:
                break
            due = (extended.get((person, role_id, cycle.start))
                   or found[0].due_of(cycle.end))
            # Owed only if the role was held on the day it fell due (as judging needs).
            if due < today and (ended is None or ended >= due):
                wanted.append(_Wanted(person, code, cycle, due))
            day = cycle.start - timedelta(days=1)
            if day < started:
                break
    return wanted
