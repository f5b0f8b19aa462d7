"""How accreditations stand: everyone's (for the lead's list and the lapse job) and one
officer's renewal (each CPD cycle since the accreditation, the evidence, what is missing).

Read-only: the records come from ``cpd_accreditation`` and ``cpd_renewal``, compliance from
:func:`cpd_tracker.judging.assessment.assess`, and the status from the pure
:func:`cpd_tracker.engine.accreditation.judge`. Whole schemes are judged with one query for the
records and, where a missed cycle lapses an accreditation, one assessment per role and cycle
end, never a query per person.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cpd_tracker import frameworks
from cpd_tracker.config import Settings
from cpd_tracker.engine.accreditation import (
    AccreditationJudgement,
    AccreditationRules,
    AccreditationStatus,
    RecordedAccreditation,
    judge,
)
from cpd_tracker.engine.compliance import Status
from cpd_tracker.engine.cycles import Cycle
from cpd_tracker.engine.words import format_date
from cpd_tracker.judging.assessment import Scope, assess
from cpd_tracker.judging.outcomes import cycles_to_close
from cpd_tracker.models import (
    Accreditation,
    CycleOutcome,
    Evidence,
    Learner,
    Renewal,
    Role,
)
from cpd_tracker.record.cycle_statements import OUTCOMES


@dataclass(frozen=True)
class AccreditationStanding:
    """One person's accreditation in one scheme: who, what is recorded, how it stands."""

    learner_id: int
    reference: str
    name: str
    org_unit: str | None
    scheme: str
    scheme_name: str
    record: RecordedAccreditation
    judgement: AccreditationJudgement
    #: The scheme's rules the judgement applied (its reminder stages, its renewal window).
    rules: AccreditationRules


@dataclass(frozen=True)
class CycleResult:
    """One CPD cycle of a scheme's role since the accreditation, and how it was met."""

    role_code: str
    role_name: str
    cycle: Cycle
    status: Status
    #: The cycle's due date (its end, or a lead's extension).
    due: date
    #: Whether the due date has passed, so the result is final.
    finished: bool
    next_step: str
    #: For a finished cycle: its recorded outcome (``met``, ``met-late``, ``not-met``,
    #: ``exempt``).
    outcome: str | None = None
    #: An ended cycle still owed (extended, or in its grace period) beside the one under way.
    owed: bool = False

    @property
    def met(self) -> bool:
        return self.status in (Status.COMPLIANT, Status.EXEMPT)

    @property
    def label(self) -> str:
        """How it ended (``"Met within an extension"``), or its status while under way."""
        return OUTCOMES[self.outcome] if self.outcome else self.status.label


@dataclass(frozen=True)
class RenewalNeeds:
    """What an officer sees about renewing: expiry, each cycle, evidence, what is missing."""

    rules: AccreditationRules
    judgement: AccreditationJudgement
    cycles: tuple[CycleResult, ...]
    #: When the renewal waiting for a decision was submitted, and how many files it carries.
    pending_since: datetime | None
    pending_files: int
    evidence_met: bool
    missing: tuple[str, ...]

    @property
    def expires_on(self) -> date | None:
        return self.judgement.expires_on


def standings(session: Session, settings: Settings, *, as_of: date, scheme: str | None = None,
              learner_id: int | None = None) -> list[AccreditationStanding]:
    """Every recorded accreditation (of one scheme, or one person) judged on ``as_of``.

    One query for the records, and for schemes that lapse on a missed cycle one assessment per
    role and cycle end (never one per person). Ordered by name, then scheme.
    """
    schemes = {rules.scheme: rules for rules in frameworks.schemes_for(session)
               if scheme is None or rules.scheme == scheme}
    query = (sa.select(Accreditation, Learner.reference, Learner.name, Learner.org_unit)
             .join(Learner, Learner.id == Accreditation.learner_id)
             .where(Accreditation.scheme.in_(list(schemes)))
             .order_by(Learner.name, Learner.reference, Accreditation.scheme))
    if learner_id is not None:
        query = query.where(Accreditation.learner_id == learner_id)
    rows = session.execute(query).all()
    missed: dict[str, dict[int, date]] = {}
    for code, rules in schemes.items():
        candidates = {row[0].learner_id for row in rows if row[0].scheme == code
                      and row[0].accredited_on is not None and row[0].decided_status is None}
        if rules.lapse_on_missed_cycle and candidates:
            missed[code] = _missed_cycles(session, settings, rules, as_of=as_of,
                                          learner_ids=candidates, learner_id=learner_id)
    found = []
    for record, reference, name, unit in rows:
        rules = schemes[record.scheme]
        facts = facts_of(record)
        judgement = judge(facts, rules, as_of=as_of,
                          missed_cycle=missed.get(record.scheme, {}).get(record.learner_id))
        found.append(AccreditationStanding(record.learner_id, reference, name, unit,
                                           record.scheme, rules.name, facts, judgement,
                                           rules))
    return found


def due_to_lapse(session: Session, settings: Settings, *, as_of: date
                 ) -> list[AccreditationStanding]:
    """Who is lapsed on ``as_of`` by the dates or a missed cycle, but not yet recorded so."""
    return [standing for standing in standings(session, settings, as_of=as_of)
            if standing.judgement.status is AccreditationStatus.LAPSED
            and not standing.judgement.decided]


def _missed_cycles(session: Session, settings: Settings, rules: AccreditationRules, *,
                   as_of: date, learner_ids: Collection[int],
                   learner_id: int | None = None) -> dict[int, date]:
    """The last day of each person's last ended cycle of the scheme's roles, if it was not met,
    by learner id: read from the recorded cycle outcomes (cycles due before ``as_of``), and for
    a cycle that has ended but whose outcome the daily job has not recorded yet, judged as the
    job will judge it."""
    people = frozenset(learner_ids if learner_id is None else {learner_id} & set(learner_ids))
    if not people:
        return {}
    latest: dict[tuple[int, str], tuple[date, bool]] = {}
    recorded = (sa.select(CycleOutcome.learner_id, Role.code, CycleOutcome.cycle_end,
                          CycleOutcome.outcome)
                .join(Role, Role.id == CycleOutcome.role_id)
                .where(Role.code.in_(rules.roles), CycleOutcome.due_on < as_of,
                       CycleOutcome.learner_id.in_(sorted(people))))
    for person, code, end, outcome in session.execute(recorded):
        if (person, code) not in latest or latest[(person, code)][0] < end:
            latest[(person, code)] = (end, outcome == "not-met")
    for ended in cycles_to_close(session, settings, today=as_of, learner_ids=people):
        key = (ended.learner_id, ended.role_code)
        if ended.role_code in rules.roles and (key not in latest
                                               or latest[key][0] < ended.facts.cycle_end):
            latest[key] = (ended.facts.cycle_end, ended.facts.outcome == "not-met")
    missed: dict[int, date] = {}
    for (person, _), (end, not_met) in latest.items():
        if not_met:
            missed[person] = max(missed.get(person, end), end)
    return missed


def _per_person(versions: frameworks.RoleRequirements) -> bool:
    return any(v.requirements.cycle.kind == "anniversary" for v in versions.versions)


def renewal_needs(session: Session, settings: Settings, learner: Learner, scheme: str, *,
                  today: date) -> RenewalNeeds:
    """What ``learner`` sees about renewing: the expiry, each CPD cycle since the accreditation
    with how it was met, whether the evidence is in, and a readable list of what is missing."""
    rules = rules_for(session, scheme)
    found = standings(session, settings, as_of=today, scheme=scheme, learner_id=learner.id)
    judgement = found[0].judgement if found else judge(None, rules, as_of=today)
    since = judgement.accredited_on
    cycles = _cycles_since(session, settings, learner, rules, since, today) if since else ()
    pending = pending_renewal(session, learner.id, scheme)
    pending_files = 0 if pending is None else session.scalar(
        sa.select(sa.func.count()).select_from(Evidence).where(
            Evidence.statement_id == pending.statement_id, Evidence.activity_iri.is_(None)))
    evidence_met = rules.evidence_files == 0 or (
        pending is not None and pending_files >= rules.evidence_files)
    missing: list[str] = []
    if judgement.status in (AccreditationStatus.SUSPENDED, AccreditationStatus.WITHDRAWN):
        missing.append(f"{judgement.reason} An accreditation lead must reinstate it before you "
                       "can renew.")
    elif since is None:
        missing.append(f"An accreditation to renew: record your {rules.name} once you have it.")
    missing += [f"{cycle.role_name} CPD for {format_date(cycle.cycle.start)} to "
                f"{format_date(cycle.cycle.end)}: not met." for cycle in cycles
                if cycle.finished and not cycle.met]
    if since is not None and pending is None and judgement.can_renew:
        if rules.competence_statement:
            missing.append("A statement of your continued competence.")
        if rules.evidence_files:
            missing.append(f"At least {files_text(rules.evidence_files)} of evidence of your "
                           "continued competence.")
    return RenewalNeeds(rules, judgement, cycles, pending.submitted_at if pending else None,
                        pending_files, evidence_met, tuple(missing))


def _cycles_since(session: Session, settings: Settings, learner: Learner,
                  rules: AccreditationRules, since: date, today: date) -> tuple[CycleResult, ...]:
    """Each CPD cycle of the scheme's roles that ended on or after ``since``, once, with its
    recorded outcome (or, not recorded yet, the one the daily job will record), then the cycles
    under way (an extended cycle still owed, and the current one)."""
    roles = set(rules.roles)
    results: list[CycleResult] = []
    seen: set[tuple[str, date]] = set()
    recorded = (sa.select(CycleOutcome, Role.code, Role.name)
                .join(Role, Role.id == CycleOutcome.role_id)
                .where(CycleOutcome.learner_id == learner.id, Role.code.in_(sorted(roles)),
                       CycleOutcome.cycle_end >= since, CycleOutcome.due_on < today))
    for row, code, name in session.execute(recorded):
        seen.add((code, row.cycle_start))
        results.append(CycleResult(code, name, Cycle(row.cycle_start, row.cycle_end),
                                   _OUTCOME_STATUS[row.outcome], row.due_on, True,
                                   row.reason, row.outcome))
    for ended in cycles_to_close(session, settings, today=today,
                                 learner_ids=frozenset({learner.id})):
        key = (ended.role_code, ended.facts.cycle_start)
        if ended.role_code in roles and ended.facts.cycle_end >= since and key not in seen:
            seen.add(key)
            results.append(CycleResult(ended.role_code, ended.role_name, ended.judgement.cycle,
                                       _OUTCOME_STATUS[ended.facts.outcome], ended.facts.due,
                                       True, ended.judgement.next_step, ended.facts.outcome))
    for standing in assess(session, settings, as_of=today, scope=Scope(learner_id=learner.id)):
        if standing.role_code not in roles:
            continue
        for judgement in (standing.judgement, standing.following):
            if judgement is not None and judgement.cycle.end >= since:
                results.append(CycleResult(
                    standing.role_code, judgement.requirements.role_name, judgement.cycle,
                    judgement.status, judgement.due, False, judgement.next_step,
                    owed=judgement is standing.judgement and standing.following is not None))
    return tuple(sorted(results, key=lambda result: (result.cycle.start, result.role_code)))


#: The status a recorded outcome is shown with.
_OUTCOME_STATUS = {"met": Status.COMPLIANT, "met-late": Status.COMPLIANT,
                   "not-met": Status.NON_COMPLIANT, "exempt": Status.EXEMPT}


def _cycles_between(versions: frameworks.RoleRequirements, anchor: date | None, first: date,
                    last: date) -> Iterable[Cycle]:
    day = first
    while day <= last:
        found = versions.for_day(day, anchor)
        if found is None:
            later = [v.effective_from for v in versions.versions if v.effective_from > day]
            if not later:
                return
            day = min(later)
            continue
        requirements, cycle = found
        if requirements.cycle.kind == "rolling":
            # A rolling window ends every day: the one that counts is the window to ``last``.
            found = versions.for_day(last, anchor)
            yield found[1] if found else cycle
            return
        yield cycle
        day = cycle.end + timedelta(days=1)


def rules_for(session: Session, scheme: str) -> AccreditationRules:
    """The rules of ``scheme``; :class:`LookupError` naming the schemes there are if unknown."""
    rules = frameworks.accreditation_rules(session, scheme)
    if rules is None:
        known = ", ".join(found.scheme for found in frameworks.schemes_for(session)) or "none"
        raise LookupError(f"{scheme!r} is not an accreditation scheme; the schemes are: "
                          f"{known}.")
    return rules


def facts_of(record: Accreditation) -> RecordedAccreditation:
    """What a ``cpd_accreditation`` row says, as the engine takes it."""
    return RecordedAccreditation(
        accredited_on=record.accredited_on, expires_on=record.expires_on,
        endorsements=tuple(record.endorsements or ()), decided_status=record.decided_status,
        decided_reason=record.decided_reason, decided_by=record.decided_by,
        decided_on=record.decided_on)


def pending_renewal(session: Session, learner_id: int, scheme: str) -> Renewal | None:
    """The person's renewal in ``scheme`` waiting for a lead's decision, if any."""
    return session.scalar(sa.select(Renewal).where(
        Renewal.learner_id == learner_id, Renewal.scheme == scheme, Renewal.status == "pending"))


def files_text(count: int) -> str:
    return "1 file" if count == 1 else f"{count} files"


