"""Recording how cycles ended: the daily job, and a lead judging a closed cycle again.

The job records each ended cycle once, as a statement whose id and timestamp follow from the
cycle alone, so two schedulers or a rerun store it once. A recorded outcome never moves by
itself: CPD logged or verified late changes the figures of the past (judged as of a day, they
count for the day they happened), but the outcome only through a lead's judgement, which is a
statement of its own with the lead and their reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cpd_tracker.config import Settings
from cpd_tracker.errors import Refused
from cpd_tracker.judging.assessment import Scope, assess
from cpd_tracker.judging.outcomes import EndedCycle, cycles_to_close, outcome_of
from cpd_tracker.models import CycleOutcome, Learner, Role
from cpd_tracker.record.cycle_statements import (
    OUTCOMES,
    CycleJudgedBuilder,
    CycleOutcomeFacts,
)
from cpd_tracker.record.identities import (
    Lead,
    LearnerIdentity,
    deterministic_id,
    learner_agent,
    library_agent,
)
from cpd_tracker.record.learners import identity
from cpd_tracker.services import recording
from xapi import StatementRecord, actor_key

#: Statements stored per transaction by the daily job (each batch commits on its own).
BATCH = 500
#: How often an id another system's statement holds is replaced before the cycle is left out
#: of the run (see :func:`_unclaimed`).
_REPLACEMENTS = 20
_AUTOMATIC = "Judged by cpd-tracker when the cycle's due date passed."


@dataclass(frozen=True)
class CloseReport:
    """What a run of the job recorded, and how many were already recorded by another run."""

    recorded: list[EndedCycle]
    already: int = 0

    def __str__(self) -> str:
        counts: dict[str, int] = {}
        for ended in self.recorded:
            counts[ended.facts.outcome] = counts.get(ended.facts.outcome, 0) + 1
        if not self.recorded:
            text = "No cycle has ended without a recorded outcome."
        else:
            parts = ", ".join(f"{number} {OUTCOMES[outcome].lower()}"
                              for outcome, number in sorted(counts.items()))
            cycles = "cycle" if len(self.recorded) == 1 else "cycles"
            text = f"Recorded the outcome of {len(self.recorded)} {cycles}: {parts}."
        if self.already:
            text += f" {self.already} were recorded meanwhile by another run."
        return text


def closed_at(settings: Settings, due: date) -> datetime:
    """The moment a cycle due on ``due`` is closed: the start of the next day, force time."""
    return datetime.combine(due + timedelta(days=1), time(0, 0), tzinfo=settings.timezone)


def close_cycles(session: Session, settings: Settings, *, today: date,
                 learner_ids: frozenset[int] | None = None) -> CloseReport:
    """Record the outcome of every cycle due before ``today`` that has none, in batches of
    :data:`BATCH` statements, each committed on its own. Running it again records nothing."""
    ended = cycles_to_close(session, settings, today=today, learner_ids=learner_ids)
    if not ended:
        return CloseReport([])
    people = {learner.id: learner for learner in session.scalars(
        sa.select(Learner).where(Learner.id.in_(sorted({e.learner_id for e in ended}))))}
    builder = CycleJudgedBuilder(settings)
    recorded: list[EndedCycle] = []
    already = 0
    for start in range(0, len(ended), BATCH):
        batch = ended[start:start + BATCH]
        statements = _unclaimed(session, settings, [
            builder.build(None, identity(people[e.learner_id]), e.facts, reason=_AUTOMATIC,
                          at=closed_at(settings, e.facts.due)) for e in batch])
        batch = [e for e, statement in zip(batch, statements, strict=True) if statement]
        statements = [statement for statement in statements if statement]
        try:
            recording.record(session, settings, statements, authority=library_agent(settings),
                             on_conflict=_Raced())
        except (_Raced, sa.exc.IntegrityError):
            # Another run stored some of these cycles first (at the same moment, or judged
            # differently: theirs stands): the rest are still recorded, one by one.
            for one, statement in zip(batch, statements, strict=True):
                try:
                    recording.record(session, settings, [statement],
                                     authority=library_agent(settings), on_conflict=_Raced())
                except (_Raced, sa.exc.IntegrityError):
                    if session.scalar(sa.select(StatementRecord.sequence).where(
                            StatementRecord.id == statement["id"])) is None:
                        raise  # not another run's doing
                    already += 1
                    continue
                recorded.append(one)
            continue
        recorded += batch
    return CloseReport(recorded, already)


def _unclaimed(session: Session, settings: Settings,
               statements: list[dict[str, object]]) -> list[dict[str, object] | None]:
    """The statements, each under an id no other system's statement holds.

    A cycle's id follows from the cycle and the force's namespace, so an LRS client can work
    it out and store a statement of its own under it first (which would refuse the library's,
    or, with the same content, leave it unprojected, for ever). Such an id is replaced by one
    made from it, the same in every run; ``None`` for a cycle whose replacements are all taken
    too (left out, so the rest are recorded)."""
    ours = actor_key(library_agent(settings))
    found: list[dict[str, object] | None] = list(statements)
    waiting = dict(enumerate(statements))
    for _ in range(_REPLACEMENTS + 1):
        by_id = {str(statement["id"]): index for index, statement in waiting.items()}
        taken = [statement_id for statement_id, authority in session.execute(
            sa.select(StatementRecord.id, StatementRecord.authority_key)
            .where(StatementRecord.id.in_(sorted(by_id)))) if authority != ours]
        waiting = {}
        for statement_id in taken:
            index = by_id[statement_id]
            waiting[index] = {**statements[index], "id": str(deterministic_id(
                settings, CycleJudgedBuilder.key, "instead of", statement_id))}
            found[index] = waiting[index]
        if not waiting:
            return found
    for index in waiting:
        found[index] = None
    return found


class _Raced(Exception):
    """Another run stored a different judgement of one of these cycles first."""


def judge_again(session: Session, settings: Settings, lead: Lead, learner: Learner,
                role_code: str, cycle_start: date, *, reason: str) -> CycleOutcome:
    """A lead judges a closed cycle again, as things stand now for the days it covered (after
    a late correction or verification), with their reason: a new statement, so who changed
    an outcome, when and why stays on the record."""
    text = (reason or "").strip()
    if not text:
        raise Refused({"reason": "Say why the cycle is judged again."})
    if len(text) > 2000:
        raise Refused({"reason": "Keep the reason to 2,000 characters."})
    control = next((c for c in text if (ord(c) < 32 and c not in "\n\r\t") or ord(c) == 127),
                   None)
    if control is not None:
        raise Refused({"reason": f"The reason contains the control character {control!r}, "
                                 "which cannot be stored; remove it."})
    role = session.scalar(sa.select(Role).where(Role.code == role_code))
    if role is None:
        raise Refused({"role": f"No role {role_code!r}."})
    recorded = session.scalar(sa.select(CycleOutcome).where(
        CycleOutcome.learner_id == learner.id, CycleOutcome.role_id == role.id,
        CycleOutcome.cycle_start == cycle_start))
    if recorded is None:
        raise Refused({"cycle": f"{learner.name} has no closed {role.name} cycle starting "
                                f"{cycle_start.isoformat()}; only a cycle whose outcome was "
                                "recorded can be judged again."})
    if lead.reference == learner.reference:
        raise Refused({"form": "Nobody judges their own cycle."})
    standing = next((s for s in assess(session, settings, as_of=recorded.due_on,
                                       scope=Scope(learner_id=learner.id, role=role_code))
                     if s.judgement.cycle.start == cycle_start), None)
    if standing is None:
        raise Refused({"cycle": f"{learner.name} did not hold the {role.name} role on "
                                f"{recorded.due_on.isoformat()}, so the cycle cannot be judged."})
    outcome, unmet = outcome_of(standing.judgement)
    if outcome == "met" and recorded.outcome == "met-late":
        outcome = "met-late"
    facts = CycleOutcomeFacts(role_code, cycle_start, recorded.cycle_end, recorded.due_on,
                              outcome, unmet)
    judge = LearnerIdentity(reference=lead.reference, name=lead.name)
    statement = CycleJudgedBuilder(settings).build(judge, identity(learner), facts, reason=text,
                                                   at=settings.now())
    recording.record(session, settings, [statement], authority=learner_agent(settings, judge),
                     on_conflict=Refused({"form": "This judgement was already recorded."}))
    found = session.scalar(sa.select(CycleOutcome).where(CycleOutcome.id == recorded.id))
    assert found is not None
    return found
