"""The evidence read model: ``cpd_evidence`` rows and each activity's verification, derived from
``attached evidence to``, ``verified`` and ``rejected`` statements.

Written in the storing transaction, so the rebuild gives what the incremental path gave.
Evidence of a renewal is the accreditation projection's
(:mod:`cpd_tracker.projection.accreditation`).
"""

from __future__ import annotations

from typing import Any

import aniso8601
import sqlalchemy as sa
from sqlalchemy.orm import Session

from cpd_tracker import vocabulary
from cpd_tracker.config import Settings
from cpd_tracker.models import Activity, Evidence, Learner
from cpd_tracker.record.identities import account_reference, client_name
from xapi import StatementStore


class EvidenceProjection:
    """Keeps ``cpd_evidence`` and each activity's verification in step with the statements."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def statement_stored(self, session: Session, statement: dict[str, Any]) -> None:
        verb = statement["verb"]["id"]
        if verb not in (vocabulary.VERB_ATTACHED_EVIDENCE, vocabulary.VERB_VERIFIED,
                        vocabulary.VERB_REJECTED):
            return
        if client_name(self.settings, statement.get("authority")) is not None:
            return  # only officers and leads working here attach and verify evidence
        if verb == vocabulary.VERB_ATTACHED_EVIDENCE:
            self._attached(session, statement)
        else:
            self._decided(session, statement, approved=verb == vocabulary.VERB_VERIFIED)

    def _attached(self, session: Session, statement: dict[str, Any]) -> None:
        reference = account_reference(self.settings, statement["actor"])
        learner_id = session.scalar(sa.select(Learner.id).where(Learner.reference == reference))
        if learner_id is None:
            raise LookupError(f"statement {statement['id']}: no learner {reference!r}")
        iri = statement["object"]["id"]
        for attachment in statement.get("attachments", []):
            if attachment.get("usageType") != vocabulary.ATTACHMENT_EVIDENCE:
                continue
            display = attachment.get("display", {})
            session.add(Evidence(
                statement_id=statement["id"], learner_id=learner_id, activity_iri=iri,
                sha256=attachment["sha2"], content_type=attachment["contentType"],
                filename=display.get("en-GB") or next(iter(display.values()), "evidence"),
                length=attachment["length"],
                description=statement.get("result", {}).get("response"),
                submitted_at=aniso8601.parse_datetime(statement["stored"]), status="pending"))
        session.flush()
        refresh_verification(session, learner_id, iri, self.settings)

    def _decided(self, session: Session, statement: dict[str, Any], *, approved: bool) -> None:
        target = statement["object"].get("id", "").lower()
        files = session.scalars(sa.select(Evidence).where(
            Evidence.statement_id == target, Evidence.activity_iri.is_not(None))).all()
        if not files:
            return  # a decision on something else (a renewal)
        lead = statement["actor"].get("name") or account_reference(
            self.settings, statement["actor"]) or "?"
        decided_at = aniso8601.parse_datetime(statement["stored"])
        for item in files:
            item.status = "approved" if approved else "rejected"
            item.decided_by = lead
            item.decided_at = decided_at
            item.comment = statement.get("result", {}).get("response")
            item.decision_statement_id = statement["id"]
        session.flush()
        refresh_verification(session, files[0].learner_id, files[0].activity_iri or "",
                             self.settings)

    def statement_voided(self, session: Session, statement: dict[str, Any]) -> None:
        """Withdrawn evidence disappears; a withdrawn decision puts the evidence back to wait."""
        files = session.scalars(sa.select(Evidence).where(
            sa.or_(Evidence.statement_id == statement["id"],
                   Evidence.decision_statement_id == statement["id"]),
            Evidence.activity_iri.is_not(None))).all()
        for item in files:
            if item.statement_id == statement["id"]:
                session.delete(item)
            else:
                item.status, item.decided_by, item.decided_at = "pending", None, None
                item.comment = item.decision_statement_id = None
        session.flush()
        for learner_id, iri in {(item.learner_id, item.activity_iri) for item in files}:
            refresh_verification(session, learner_id, iri or "", self.settings)


def refresh_verification(session: Session, learner_id: int, activity_iri: str,
                         settings: Settings) -> None:
    """Set the activity's verification from its evidence: verified (from the first approval)
    if a lead approved any, awaiting if any waits, rejected if all were rejected, else
    self-declared. CPD an LMS reported under a rule that trusts it stays as the rule says."""
    rows = session.execute(sa.select(Evidence.status, Evidence.decided_at).where(
        Evidence.learner_id == learner_id, Evidence.activity_iri == activity_iri)).all()
    approved = [at for status, at in rows if status == "approved" and at is not None]
    if approved:
        state, since = "verified", min(approved).astimezone(settings.timezone).date()
    elif any(status == "pending" for status, _ in rows):
        state, since = "awaiting", None
    elif rows:
        state, since = "rejected", None
    else:
        state, since = "self-declared", None
    session.execute(sa.update(Activity).where(
        Activity.learner_id == learner_id, Activity.activity_iri == activity_iri,
        Activity.credit_key.is_(None)).values(verification=state, verified_on=since))


def rebuild(session: Session, settings: Settings) -> int:
    """Project every non-voided evidence statement and decision again, in stored order."""
    session.execute(sa.delete(Evidence).where(Evidence.activity_iri.is_not(None)))
    session.execute(sa.update(Activity).where(Activity.credit_key.is_(None))
                    .values(verification="self-declared", verified_on=None))
    projection = EvidenceProjection(settings)
    count = 0
    # Every decision is stored after the evidence it decides, so verb by verb keeps the order
    # that matters.
    for verb in (vocabulary.VERB_ATTACHED_EVIDENCE, vocabulary.VERB_VERIFIED,
                 vocabulary.VERB_REJECTED):
        for statement in StatementStore(session).statements(verb=verb):
            projection.statement_stored(session, statement)
            count += 1
    return count
