"""The force's standings, kept current: what the leads' lists, dashboard, exports and API read.

Judging a whole force (:func:`~cpd_tracker.judging.assessment.assess`) takes seconds at tens of
thousands of people, too slow for a page that sorts, filters and pages them. So each person's
standing in each role is kept in ``cpd_standing`` and read with plain SQL. It is a cache, never the
record:

- a change to someone's records marks them (:class:`~cpd_tracker.models.StandingMark`) in the
  same transaction: every statement the library stores (:class:`StandingListener`), a role
  assigned or a profile synced (:mod:`cpd_tracker.record.learners`), a framework loaded (everyone);
- :func:`refresh` judges again the people marked, and everyone once a day (time alone moves a
  status: at risk as the due date nears, non-compliant after it). Pages call it first, so what
  they show is as of now; the nightly job keeps the daily pass out of office hours.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from cpd_tracker.config import Settings
from cpd_tracker.engine.compliance import Status
from cpd_tracker.engine.words import rule_text
from cpd_tracker.judging.assessment import Scope, Standing, assess
from cpd_tracker.models import (
    Activity,
    CurrentStanding,
    CycleOutcome,
    Learner,
    Role,
    StandingMark,
    StandingRefresh,
)
from cpd_tracker.transactions import host_work_pending, own_writes

log = logging.getLogger(__name__)

#: More people marked than this and the refresh judges everyone: one pass over the force costs
#: less than judging thousands in slices.
WHOLE_FORCE_ABOVE = 2000
_CHUNK = 500


@dataclass(frozen=True)
class RefreshReport:
    """What one :func:`refresh` did: ``people`` judged again, ``everyone`` for a whole pass."""

    people: int = 0
    standings: int = 0
    everyone: bool = False

    def __str__(self) -> str:
        if not self.people and not self.everyone:
            return "standings: up to date"
        who = "everyone" if self.everyone else "people whose records changed"
        return f"standings: judged {who}: {self.people} people, {self.standings} standings"


def refresh(session: Session, settings: Settings, *, today: date,
            everyone: bool = False) -> RefreshReport:
    """Bring ``cpd_standing`` up to ``today``.

    Cheap when nothing changed (two small reads). Otherwise the marked people are judged again,
    or everyone if the table was judged before ``today``, a mark says everyone, or
    ``everyone=True``. Refreshes take turns, so two at once never judge the same marks twice or
    write over each other. Call it before reading standings. It commits only its own writes:
    with work of the host's pending in ``session``, they land with the host's commit instead
    (:mod:`cpd_tracker.transactions`).
    """
    pending = host_work_pending(session)
    if not everyone and judged_on(session) == today and not _any_marks(session):
        return RefreshReport()
    if not pending:
        session.commit()  # a fresh transaction, so taking the turn does not upgrade an old read
    with own_writes(session, pending=pending):
        report = _judge_again(session, settings, today=today, everyone=everyone)
    log.info("%s", report)
    return report


def _judge_again(session: Session, settings: Settings, *, today: date,
                 everyone: bool) -> RefreshReport:
    """Judge the marked people again (or everyone) and clear their marks, in one turn."""
    last_whole = _take_turn(session)
    marks = session.execute(sa.select(StandingMark.id, StandingMark.learner_id)).all()
    people = {learner_id for _, learner_id in marks}
    whole = (everyone or last_whole != today or None in people
             or len(people) > WHOLE_FORCE_ABOVE)
    if whole:
        standings = assess(session, settings, as_of=today)
        session.execute(sa.delete(CurrentStanding))
        _insert(session, standings, today, _last_activities(session, None))
        session.execute(sa.update(StandingRefresh).where(StandingRefresh.id == 1)
                        .values(judged_on=today))
        people = {standing.learner_id for standing in standings}
        report = RefreshReport(len(people), len(standings), everyone=True)
    else:
        count = 0
        ordered = sorted(people)
        for start in range(0, len(ordered), _CHUNK):
            chunk = frozenset(ordered[start:start + _CHUNK])
            standings = assess(session, settings, as_of=today, scope=Scope(learners=chunk))
            session.execute(sa.delete(CurrentStanding)
                            .where(CurrentStanding.learner_id.in_(chunk)))
            _insert(session, standings, today, _last_activities(session, chunk))
            count += len(standings)
        report = RefreshReport(len(people), count)
    ids = [mark_id for mark_id, _ in marks]
    for start in range(0, len(ids), _CHUNK):
        session.execute(sa.delete(StandingMark).where(
            StandingMark.id.in_(ids[start:start + _CHUNK])))
    return report


def judged_on(session: Session) -> date | None:
    """The day the whole force was last judged (``None``: never)."""
    return session.scalar(sa.select(StandingRefresh.judged_on).where(StandingRefresh.id == 1))


def _any_marks(session: Session) -> bool:
    return session.scalar(sa.select(StandingMark.id).limit(1)) is not None


def _take_turn(session: Session) -> date | None:
    """Write the refresh row first: a second refresh waits here until the first commits, then
    reads what it left (``RETURNING`` sees the latest committed row)."""
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        session.execute(insert(StandingRefresh).values(id=1, judged_on=None)
                        .on_conflict_do_nothing(index_elements=["id"]))
    elif session.get(StandingRefresh, 1) is None:
        session.add(StandingRefresh(id=1))
        session.flush()
    return session.execute(
        sa.update(StandingRefresh).where(StandingRefresh.id == 1)
        .values(started_at=datetime.now(timezone.utc))
        .returning(StandingRefresh.judged_on)).scalar_one()


def _last_activities(session: Session, learners: frozenset[int] | None) -> dict[int, date]:
    query = sa.select(Activity.learner_id, sa.func.max(Activity.activity_date)).group_by(
        Activity.learner_id)
    if learners is not None:
        query = query.where(Activity.learner_id.in_(learners))
    return {learner_id: day for learner_id, day in session.execute(query)}


def _insert(session: Session, standings: Sequence[Standing], today: date,
            last: dict[int, date]) -> None:
    if not standings:
        return
    roles = {code: (role_id, name) for code, role_id, name in
             session.execute(sa.select(Role.code, Role.id, Role.name))}
    people = sorted({standing.learner_id for standing in standings})
    managers: dict[int, str | None] = {}
    for start in range(0, len(people), 5000):
        managers.update((learner_id, manager) for learner_id, manager in session.execute(
            sa.select(Learner.id, Learner.line_manager_reference)
            .where(Learner.id.in_(people[start:start + 5000]))))
    outcomes = _last_outcomes(session, people if len(people) <= 5000 else None)
    rows = [row(standing, *roles[standing.role_code], managers.get(standing.learner_id),
                today, last.get(standing.learner_id),
                outcomes.get((standing.learner_id, roles[standing.role_code][0])))
            for standing in standings]
    insert = sa.insert(CurrentStanding.__table__)
    connection = session.connection()
    for start in range(0, len(rows), 5000):
        connection.execute(insert, rows[start:start + 5000])


def _last_outcomes(session: Session, people: list[int] | None
                   ) -> dict[tuple[int, int], tuple[str, date]]:
    """Each person's last recorded cycle outcome in each role: (outcome, cycle end)."""
    query = sa.select(CycleOutcome.learner_id, CycleOutcome.role_id, CycleOutcome.cycle_end,
                      CycleOutcome.outcome)
    if people is not None:
        query = query.where(CycleOutcome.learner_id.in_(people))
    found: dict[tuple[int, int], tuple[str, date]] = {}
    for learner_id, role_id, end, outcome in session.execute(query):
        known = found.get((learner_id, role_id))
        if known is None or known[1] < end:
            found[(learner_id, role_id)] = (outcome, end)
    return found


def row(standing: Standing, role_id: int, role_name: str, line_manager: str | None,
        today: date, last_activity: date | None,
        last_cycle: tuple[str, date] | None = None) -> dict[str, Any]:
    """The ``cpd_standing`` row for one judgement (``last_cycle``: the outcome and last day of
    the person's last recorded cycle in the role)."""
    judgement = standing.judgement
    timed = [result for result in judgement.rules if result.rule.measure == "minutes"]
    main = max(timed, key=lambda result: result.full_target, default=None)
    unmet = [result.due for result in judgement.unmet]
    percents = [result.percent for result in judgement.rules]
    return {
        "learner_id": standing.learner_id, "role_id": role_id,
        "reference": standing.reference, "name": standing.name, "org_unit": standing.org_unit,
        "line_manager_reference": line_manager, "role_code": standing.role_code,
        "role_name": role_name,
        "search_text": f"{standing.name} {standing.reference}".casefold(),
        "status": judgement.status.value, "urgency": len(Status) - 1 - judgement.status.rank,
        "framework": judgement.requirements.framework,
        "version": judgement.requirements.version,
        "cycle_start": judgement.cycle.start, "cycle_end": judgement.cycle.end,
        "due_on": judgement.due,
        "next_due_on": min(unmet) if unmet and judgement.exemption is None else None,
        "done_minutes": main.done if main else None,
        "target_minutes": main.target if main else None,
        "percent": sum(percents) // len(percents) if percents else 100,
        "last_activity_on": last_activity,
        "last_outcome": last_cycle[0] if last_cycle else None,
        "last_cycle_end": last_cycle[1] if last_cycle else None,
        "rules_text": "; ".join(rule_text(result) for result in judgement.rules),
        "next_step": judgement.next_step,
        "judged_on": today,
    }
