"""A lead's allowances: exemptions, extensions and approved absences, each a statement first.

An allowance changes what a person owes, so it must be as accountable as CPD itself: it is
recorded as an xAPI statement with the lead as actor and the reason in the result, and the
``cpd_allowance`` / ``cpd_absence`` rows are its projection, written in the same transaction.
Withdrawing one voids its statement; nothing is deleted.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cpd_tracker import frameworks
from cpd_tracker.config import Settings
from cpd_tracker.engine.cycles import Cycle
from cpd_tracker.engine.requirements import RequirementSet
from cpd_tracker.engine.words import format_date
from cpd_tracker.errors import Refused
from cpd_tracker.judging.assessment import anchor_of
from cpd_tracker.models import Absence, Allowance, Learner, LearnerRole, Role
from cpd_tracker.record.identities import Lead, LearnerIdentity, learner_agent
from cpd_tracker.record.learners import identity
from cpd_tracker.record.statements import (
    AbsenceApprovedBuilder,
    ExemptionGrantedBuilder,
    ExtensionGrantedBuilder,
    LeadDecision,
)
from cpd_tracker.services import recording

REASON_MAX = 2_000



def grant_exemption(session: Session, settings: Settings, lead: Lead, learner: Learner,
                    role_code: str, *, on: date, reason: str,
                    until: date | None = None) -> Allowance:
    """Exempt ``learner`` from ``role_code``'s requirements for the cycle containing ``on``,
    or, with ``until``, for the days from ``on`` to ``until`` only (long-term sickness inside a
    longer cycle): nothing is owed for those days, and the targets shrink with them."""
    _requirements, cycle = _cycle(session, settings, learner, role_code, on)
    _check_reason(reason)
    if until is not None:
        if until < on:
            raise Refused({"until": f"The exemption ends ({format_date(until)}) before it "
                                    f"starts ({format_date(on)})."})
        if until > cycle.end:
            raise Refused({"until": f"An exemption for a period ends within its cycle (by "
                                    f"{format_date(cycle.end)}); grant another for the next."})
    else:
        already = session.scalar(sa.select(Allowance).join(Role).where(
            Allowance.learner_id == learner.id, Role.code == role_code,
            Allowance.cycle_start == cycle.start, Allowance.kind == "exemption",
            Allowance.starts_on.is_(None)))
        if already is not None:
            raise Refused({"role": (
                f"{learner.name} is already exempt from {role_code} for the cycle starting "
                f"{format_date(cycle.start)} (granted by {already.granted_by}: "
                f"{already.reason})")})
    decision = LeadDecision(identity(learner), reason.strip(), settings.now(), role_code=role_code,
                            cycle_start=cycle.start,
                            absence=(on, until) if until is not None else None)
    return _store(session, settings, lead, ExemptionGrantedBuilder(settings), decision, Allowance)


def grant_extension(session: Session, settings: Settings, lead: Lead, learner: Learner,
                    role_code: str, *, on: date, due: date, reason: str) -> Allowance:
    """Move the due date of ``learner``'s cycle containing ``on`` for ``role_code`` to ``due``,
    a later date than the cycle's own: an extension gives more time, never less."""
    requirements, cycle = _cycle(session, settings, learner, role_code, on)
    usual = requirements.due_of(cycle.end)
    if due <= on:
        raise Refused({"due": f"The new due date {format_date(due)} must be after "
                                       f"{format_date(on)}."})
    if due <= usual:
        raise Refused({"due": f"The cycle is due by {format_date(usual)} already; an extension "
                              f"gives a later date, not {format_date(due)}."})
    _check_reason(reason)
    decision = LeadDecision(identity(learner), reason.strip(), settings.now(), role_code=role_code,
                            cycle_start=cycle.start, due=due)
    return _store(session, settings, lead, ExtensionGrantedBuilder(settings), decision, Allowance)


def approve_absence(session: Session, settings: Settings, lead: Lead, learner: Learner, *,
                    starts_on: date, ends_on: date, reason: str) -> Absence:
    """Record an approved absence; targets of roles with absence pro-rata shrink for it."""
    if ends_on < starts_on:
        raise Refused({"ends_on": f"The absence ends ({format_date(ends_on)}) before it "
                                           f"starts ({format_date(starts_on)})."})
    _check_reason(reason)
    decision = LeadDecision(identity(learner), reason.strip(), settings.now(),
                            absence=(starts_on, ends_on))
    return _store(session, settings, lead, AbsenceApprovedBuilder(settings), decision, Absence)


def _store(session: Session, settings: Settings, lead: Lead, builder: Any,
           decision: LeadDecision, record: Any) -> Any:
    """Store the decision's statement with its projection, commit, return the projected row."""
    lead_identity = LearnerIdentity(reference=lead.reference, name=lead.name)
    statement = builder.build(lead_identity, decision)

    [stored] = recording.record(
        session, settings, [statement], authority=learner_agent(settings, lead_identity),
        on_conflict=Refused({"form": "This has already been granted for this person."}))
    return session.scalars(sa.select(record).where(record.statement_id == stored["id"])).one()


def _cycle(session: Session, settings: Settings, learner: Learner, role_code: str,
           on: date) -> tuple[RequirementSet, Cycle]:
    held = session.scalars(sa.select(LearnerRole).join(Role).where(
        LearnerRole.learner_id == learner.id, Role.code == role_code)).all()
    holding = next((h for h in held if h.held_on(on)), None)
    if holding is None:
        raise Refused({"role": f"{learner.name} does not hold the role {role_code!r} "
                                        f"on {format_date(on)}."})
    versions = frameworks.catalogue(session, [role_code],
                                    categories=dict(settings.categories)).get(role_code)
    accredited = frameworks.accreditation_dates(session, [learner.id]).get((learner.id, role_code))
    found = versions.for_day(on, anchor_of(versions, accredited, holding.accredited_on,
                                           holding.started_on)) if versions else None
    if found is None:
        raise Refused({"role": f"The role {role_code!r} has no requirements in force "
                                        f"on {format_date(on)}; there is nothing to exempt."})
    if found[0].cycle.kind == "rolling":
        raise Refused({"role": f"The role {role_code!r} is judged over a rolling window, which "
                               "never ends, so there is no cycle to exempt or extend; approve "
                               "an absence for the period instead (its days shrink the "
                               "targets)."})
    return found


def _check_reason(reason: str) -> None:
    if not reason or not reason.strip():
        raise Refused({"reason": "Give the reason; it is kept with the decision."})
    if len(reason) > REASON_MAX:
        raise Refused({"reason": f"Keep the reason to {REASON_MAX:,} characters."})
