"""Accreditation: an officer's record of it, renewals, leads' decisions and the lapse job.

Each change is a statement first, like every other record: the officer records their
accreditation and submits renewals (actor: the officer), a lead verifies or rejects a renewal
and suspends, withdraws, lapses or reinstates an accreditation (actor: the lead), and the lapse
job records what the dates and the CPD cycles say (actor: the library). ``cpd_accreditation``
and ``cpd_renewal`` (and the renewal's files in ``cpd_evidence``) are projections of those
statements, written in the same transaction; :func:`rebuild` gives them again from the store.
How an accreditation stands on a day is :func:`cpd_tracker.engine.accreditation.judge`, a pure
function of the record, the scheme's rules (the framework file) and the person's compliance.

This module holds the services, each owning its transaction; the pure engine, the read side
(:mod:`~cpd_tracker.judging.accreditation`: everyone's standing, what a renewal needs) and the
projection (:mod:`~cpd_tracker.projection.accreditation`) are modules of their own, and what
callers need from them is importable from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cpd_tracker.config import Settings
from cpd_tracker.engine.accreditation import (
    DECIDED,
    AccreditationJudgement,
    AccreditationRules,
    AccreditationStatus,
    judge,
)
from cpd_tracker.engine.words import format_date
from cpd_tracker.errors import Refused
from cpd_tracker.judging.accreditation import (
    AccreditationStanding,
    due_to_lapse,
    facts_of,
    files_text,
    pending_renewal,
    rules_for,
    standings,
)
from cpd_tracker.models import Accreditation, Learner, LearnerRole, Renewal, Role
from cpd_tracker.record.accreditation_statements import (
    AccreditationFacts,
    AccreditationRecordedBuilder,
    AccreditationStatusBuilder,
    RenewalSubmittedBuilder,
)
from cpd_tracker.record.identities import Lead, LearnerIdentity, learner_agent, library_agent
from cpd_tracker.record.learners import identity
from cpd_tracker.record.statements import EvidenceFile, RejectedBuilder, VerifiedBuilder
from cpd_tracker.services import recording
from cpd_tracker.services.evidence import kept_files
from cpd_tracker.storage import EvidenceStorage

#: What an officer may record; the other statuses are leads' decisions or follow from dates.
RECORDABLE = ("working-towards", "accredited")
#: What a lead may change an accreditation to.
STATUS_CHANGES = ("suspended", "withdrawn", "reinstated", "lapsed")
COMPETENCE_MAX = 10_000
REASON_MAX = 2_000
_ALREADY_SENT = ("This form was already sent with different details, and what it sent is "
                 "recorded. Open the form again to send another.")



# --- An officer's records -------------------------------------------------------------------------


def record_accreditation(session: Session, settings: Settings, learner: Learner, scheme: str, *,
                         status: str, accredited_on: date | None = None,
                         endorsements: Sequence[str] = (), submission_id: str) -> Accreditation:
    """Record ``learner``'s own accreditation in ``scheme``: working towards it, or accredited on
    a day with endorsements. Its expiry follows from the scheme's rules and is kept with it, so
    a later change to the rules does not move it."""
    rules = _rules(session, scheme)
    record = _record(session, learner.id, scheme)
    errors = _recording_errors(session, learner, rules, record, status, accredited_on,
                               endorsements, today=settings.today())
    _check_submission(errors, submission_id)
    if errors:
        raise Refused(errors)
    expires = None
    if accredited_on is not None:
        same_day = record is not None and record.accredited_on == accredited_on
        expires = (record.expires_on if same_day and record is not None and record.expires_on
                   else rules.expires_on(accredited_on))
    facts = AccreditationFacts(scheme, rules.name, status, accredited_on, expires,
                               tuple(endorsements))
    statement = AccreditationRecordedBuilder(settings).build(
        identity(learner), facts, submission_id=submission_id, at=settings.now())
    _store(session, settings, [statement], authority=learner_agent(settings, identity(learner)))
    return _record(session, learner.id, scheme)  # type: ignore[return-value]


def _recording_errors(session: Session, learner: Learner, rules: AccreditationRules,
                      record: Accreditation | None, status: str, accredited_on: date | None,
                      endorsements: Sequence[str], *, today: date) -> dict[str, str]:
    """What is wrong with an officer's record of their accreditation, by field."""
    errors = _roles_check(session, learner, rules, today)
    if status not in RECORDABLE:
        errors["status"] = (f"{status!r} is not a status an officer records; choose "
                            "'working-towards' or 'accredited'.")
    elif status == "accredited":
        if accredited_on is None:
            errors["accredited_on"] = "Give the date you were accredited."
        elif accredited_on > today:
            errors["accredited_on"] = (f"{format_date(accredited_on)} is in the future; give the "
                                       "date you were accredited, today or earlier.")
    else:
        if accredited_on is not None:
            errors["accredited_on"] = ("Leave the date empty while you are working towards "
                                       "accreditation.")
        if endorsements:
            errors["endorsements"] = "Endorsements come with accreditation; add them then."
        if record is not None and record.accredited_on is not None:
            errors["status"] = (f"You are recorded as accredited on "
                                f"{format_date(record.accredited_on)}; only an accreditation "
                                "lead can change that.")
    errors.update(_endorsements_check(rules, endorsements))
    if record is None:
        return errors
    renewed = session.scalar(sa.select(Renewal).where(
        Renewal.learner_id == learner.id, Renewal.scheme == rules.scheme,
        Renewal.status == "approved").order_by(Renewal.decided_at.desc()).limit(1))
    if renewed is not None and record.accredited_on is not None and (
            status != "accredited" or accredited_on != record.accredited_on):
        # The dates are a lead's decision now; the officer may change only the endorsements.
        errors["accredited_on"] = (
            f"Your {rules.name} was renewed by {renewed.decided_by} from "
            f"{format_date(record.accredited_on)}; keep that date (you may change your "
            "endorsements).")
    if record.decided_status in DECIDED:
        then = "submit a renewal instead." if record.decided_status == "lapsed" else (
            "only an accreditation lead can change it now.")
        errors["status"] = f"Your {rules.name} is {record.decided_status}; {then}"
    return errors


def submit_renewal(session: Session, settings: Settings, learner: Learner, scheme: str, *,
                   competence: str, files: Sequence[tuple[EvidenceFile, str]],
                   submission_id: str) -> Renewal:
    """Submit a renewal of ``learner``'s accreditation, for a lead to decide.

    ``files`` are evidence of continued competence already kept in the evidence storage, each
    with the URL the statement points to. The scheme's ``renewal_needs`` say what must be
    included; renewal is open from the renewal window until (and after) a lapse.
    """
    rules = _rules(session, scheme)
    record = _record(session, learner.id, scheme)
    if record is None or record.accredited_on is None:
        raise Refused({"scheme": f"There is no {rules.name} to renew: record your "
                                              "accreditation first."})
    [standing] = standings(session, settings, as_of=settings.today(), scheme=scheme,
                           learner_id=learner.id)
    judgement = standing.judgement
    errors: dict[str, str] = {}
    if judgement.status in (AccreditationStatus.SUSPENDED, AccreditationStatus.WITHDRAWN):
        errors["scheme"] = (f"{judgement.reason} An accreditation lead must reinstate it before "
                            "you can renew.")
    elif not judgement.can_renew:
        errors["scheme"] = (f"Renewal opens on {format_date(judgement.renewal_due_from)}, "
                            f"{rules.renewal_window_days} days before your accreditation "
                            f"expires on {format_date(judgement.expires_on)}.")
    pending = pending_renewal(session, learner.id, scheme)
    if pending is not None:
        errors["form"] = (f"Your renewal sent on {_day(settings, pending.submitted_at)} is "
                          "waiting for a lead's decision.")
    text = (competence or "").strip()
    if rules.competence_statement and not text:
        errors["competence"] = (f"Describe how you have kept up your competence; {rules.name} "
                                "renewal needs it.")
    elif len(text) > COMPETENCE_MAX:
        errors["competence"] = f"Keep it to {COMPETENCE_MAX:,} characters (it has {len(text):,})."
    if len(files) < rules.evidence_files:
        errors["files"] = (f"Attach at least {files_text(rules.evidence_files)} of evidence of "
                           f"your continued competence; {len(files)} attached.")
    seen: set[str] = set()
    for file, _ in files:
        if file.sha256 in seen:
            errors["files"] = f"{file.filename!r} is attached twice; attach each file once."
        seen.add(file.sha256)
    _check_submission(errors, submission_id)
    if errors:
        raise Refused(errors)
    facts = AccreditationFacts(scheme, rules.name, judgement.status.value, record.accredited_on,
                               judgement.expires_on, tuple(record.endorsements))
    statement = RenewalSubmittedBuilder(settings).build(
        identity(learner), facts, submission_id=submission_id, competence=text,
        files=list(files), at=settings.now())
    [stored] = _store(session, settings, [statement],
                      authority=learner_agent(settings, identity(learner)))
    return session.scalars(sa.select(Renewal).where(Renewal.statement_id == stored["id"])).one()


def submit_renewal_with_files(session: Session, settings: Settings, storage: EvidenceStorage,
                              learner: Learner, scheme: str, *, competence: str,
                              uploads: Sequence[tuple[IO[bytes], str | None]],
                              submission_id: str) -> Renewal:
    """:func:`submit_renewal` with the evidence as uploaded: each file is checked and kept in
    ``storage`` first, and discarded again if the renewal is refused or fails, so nothing is
    left half written."""
    with kept_files(session, settings, storage, uploads, field="files") as files:
        return submit_renewal(session, settings, learner, scheme, competence=competence,
                              files=files, submission_id=submission_id)


# --- Leads' decisions -----------------------------------------------------------------------------


def decide_renewal(session: Session, settings: Settings, lead: Lead, renewal_id: int, *,
                   approve: bool, comment: str | None = None) -> Renewal:
    """Approve or reject a renewal. Approval renews the accreditation from today for the
    scheme's ``valid_years``; a rejection needs a comment the officer can act on."""
    renewal = session.get(Renewal, renewal_id)
    if renewal is None:
        raise Refused({"renewal": f"There is no renewal {renewal_id}."})
    rules = _rules(session, renewal.scheme)
    learner = renewal.learner
    record = _record(session, learner.id, renewal.scheme)
    errors: dict[str, str] = {}
    if renewal.status != "pending":
        errors["renewal"] = (f"This renewal was already {renewal.status} by "
                             f"{renewal.decided_by} on {_day(settings, renewal.decided_at)}.")
    elif lead.reference == learner.reference:
        errors["renewal"] = "You cannot decide your own renewal; another accreditation lead must."
    elif approve and record is not None and record.decided_status in ("suspended", "withdrawn"):
        errors["renewal"] = (f"{learner.name}'s {rules.name} is {record.decided_status}; "
                             "reinstate it before approving a renewal.")
    text = (comment or "").strip()
    if not approve and not text:
        errors["comment"] = "Say why the renewal is rejected; the officer sees your comment."
    elif len(text) > REASON_MAX:
        errors["comment"] = f"Keep the comment to {REASON_MAX:,} characters."
    if errors:
        raise Refused(errors)
    at = settings.now()
    deciding = LearnerIdentity(reference=lead.reference, name=lead.name)
    builder = VerifiedBuilder(settings) if approve else RejectedBuilder(settings)
    statement = builder.build(deciding, renewal.statement_id, comment=text or None, at=at)
    if approve:
        # The new dates go with the decision, so later changes to the rules never move them.
        day = at.astimezone(settings.timezone).date()
        facts = AccreditationFacts(renewal.scheme, rules.name, "accredited", day,
                                   rules.expires_on(day),
                                   tuple(record.endorsements if record else ()))
        context = statement.setdefault("context", {})
        context["extensions"] = {**context.get("extensions", {}), **facts.extensions()}
    _store(session, settings, [statement], authority=learner_agent(settings, deciding))
    session.refresh(renewal)
    return renewal


def change_status(session: Session, settings: Settings, lead: Lead, learner: Learner,
                  scheme: str, *, status: str, reason: str) -> Accreditation:
    """Suspend, withdraw, lapse or reinstate ``learner``'s accreditation, with the reason.

    Suspended and withdrawn hold until a lead reinstates; a lapse holds until a renewal is
    approved or a lead reinstates. Reinstating gives the dates back the say, so an expired
    accreditation cannot be reinstated: its renewal must be approved instead.
    """
    rules = _rules(session, scheme)
    record = _record(session, learner.id, scheme)
    errors: dict[str, str] = {}
    text = (reason or "").strip()
    if not status:
        errors["status"] = "Choose the status to change it to."
    elif status not in STATUS_CHANGES:
        errors["status"] = (f"{status!r} is not a status a lead sets; choose one of: "
                            f"{', '.join(STATUS_CHANGES)}.")
    if not text:
        errors["reason"] = "Give the reason; it is kept with the decision and the officer sees it."
    elif len(text) > REASON_MAX:
        errors["reason"] = f"Keep the reason to {REASON_MAX:,} characters."
    if lead.reference == learner.reference:
        errors["learner"] = ("You cannot change your own accreditation; another accreditation "
                             "lead must.")
    if record is None:
        errors["scheme"] = f"{learner.name} has no {rules.name} recorded."
    elif status == record.decided_status:
        errors["status"] = f"{learner.name}'s {rules.name} is already {status}."
    elif status == "reinstated":
        dates_say = judge(replace(facts_of(record), decided_status=None), rules,
                          as_of=settings.today())
        if record.decided_status is None:
            errors["status"] = (f"{learner.name}'s {rules.name} is not suspended, withdrawn or "
                                "lapsed: there is nothing to reinstate.")
        elif dates_say.status is AccreditationStatus.LAPSED:
            errors["status"] = (f"{learner.name}'s {rules.name} expired on "
                                f"{format_date(dates_say.expires_on)}; reinstated, it would "
                                "still be lapsed. Approve a renewal instead.")
    elif status == "lapsed" and record.accredited_on is None:
        errors["status"] = (f"{learner.name} is working towards {rules.name}; only an "
                            "accreditation can lapse.")
    if errors:
        raise Refused(errors)
    assert record is not None
    facts = AccreditationFacts(scheme, rules.name, status, record.accredited_on,
                               record.expires_on, tuple(record.endorsements))
    deciding = LearnerIdentity(reference=lead.reference, name=lead.name)
    statement = AccreditationStatusBuilder(settings).build(deciding, identity(learner), facts,
                                                           reason=text, at=settings.now())
    _store(session, settings, [statement], authority=learner_agent(settings, deciding))
    return _record(session, learner.id, scheme)  # type: ignore[return-value]


# --- How everyone stands, and the lapse job -------------------------------------------------------


def lapse_due(session: Session, settings: Settings, *, as_of: date
              ) -> list[AccreditationStanding]:
    """Record a lapse (actor: the library) for everyone :func:`due_to_lapse` finds, in one
    transaction, and return them. Running it again finds nobody new."""
    due = due_to_lapse(session, settings, as_of=as_of)
    if not due:
        return []
    learners = {learner.id: learner for learner in session.scalars(
        sa.select(Learner).where(Learner.id.in_([standing.learner_id for standing in due])))}
    at = settings.now()
    builder = AccreditationStatusBuilder(settings)
    statements = []
    for standing in due:
        record = standing.record
        facts = AccreditationFacts(standing.scheme, standing.scheme_name, "lapsed",
                                   record.accredited_on, standing.judgement.expires_on,
                                   record.endorsements)
        statements.append(builder.build(None, identity(learners[standing.learner_id]), facts,
                                        reason=lapse_reason(standing.judgement), at=at))
    _store(session, settings, statements, authority=library_agent(settings))
    return due


def lapse_reason(judgement: AccreditationJudgement) -> str:
    """The engine's reason for a lapse as the record keeps it (without the word "Lapsed")."""
    reason = judgement.reason.removeprefix("Lapsed: ")
    return reason[:1].upper() + reason[1:]


# --- Shared steps ---------------------------------------------------------------------------------


def _store(session: Session, settings: Settings, statements: list[dict[str, Any]], *,
           authority: dict[str, Any]) -> list[dict[str, Any]]:
    """Store statements with every projection, then commit; roll back on any error."""

    return recording.record(session, settings, statements, authority=authority,
                            on_conflict=Refused({"form": _ALREADY_SENT}))


def _rules(session: Session, scheme: str) -> AccreditationRules:
    try:
        return rules_for(session, scheme)
    except LookupError as unknown:
        raise Refused({"scheme": str(unknown)}) from None


def _record(session: Session, learner_id: int, scheme: str) -> Accreditation | None:
    return session.scalar(sa.select(Accreditation).where(
        Accreditation.learner_id == learner_id, Accreditation.scheme == scheme))


def _roles_check(session: Session, learner: Learner, rules: AccreditationRules,
                 today: date) -> dict[str, str]:
    holds = session.scalar(sa.select(sa.func.count()).select_from(LearnerRole).join(Role).where(
        LearnerRole.learner_id == learner.id, Role.code.in_(rules.roles),
        LearnerRole.started_on <= today,
        sa.or_(LearnerRole.ended_on.is_(None), LearnerRole.ended_on >= today)))
    if holds:
        return {}
    return {"scheme": f"{rules.name} is for the roles {', '.join(rules.roles)}; "
                      f"{learner.name} holds none of them."}


def _endorsements_check(rules: AccreditationRules, endorsements: Sequence[str]
                        ) -> dict[str, str]:
    known = [endorsement.code for endorsement in rules.endorsements]
    for index, code in enumerate(endorsements):
        if code not in known:
            return {"endorsements": f"{code!r} is not an endorsement of {rules.name}; the "
                                    f"endorsements are: {', '.join(known) or 'none'}."}
        if code in endorsements[:index]:
            return {"endorsements": f"{code!r} is given twice; give each endorsement once."}
    return {}


def _check_submission(errors: dict[str, str], submission_id: str) -> None:
    if not submission_id:
        errors["form"] = "The form has no submission id; open it again and send it from there."


def _day(settings: Settings, moment: datetime | None) -> str:
    return format_date(moment.astimezone(settings.timezone).date()) if moment else "?"

