"""The accreditation read model: ``cpd_accreditation``, ``cpd_renewal`` and renewal evidence,
derived from the accreditation statements.

The projection listens to the statement store inside the storing transaction, so a statement
and its rows land together; it replays statements in the order they were stored, so
:func:`rebuild` equals the incremental result. Voiding one of a person's accreditation
statements replays that person's remaining ones, since each row sums up several statements.
Statements sent by LRS clients are ignored: only officers and leads working here, and the
library's own lapse job, change an accreditation.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import aniso8601
import sqlalchemy as sa
from sqlalchemy.orm import Session

from cpd_tracker import frameworks, vocabulary
from cpd_tracker.config import Settings
from cpd_tracker.models import Accreditation, Evidence, Learner, Renewal
from cpd_tracker.record.identities import (
    account_reference,
    client_name,
    learner_agent,
    library_agent,
)
from cpd_tracker.record.learners import identity
from xapi import StatementAgent, StatementRecord, actor_key

#: Statements about a person's accreditation, with the person as actor or object.
_ABOUT_PERSON = (vocabulary.VERB_RECORDED_ACCREDITATION, vocabulary.VERB_SUBMITTED_RENEWAL,
                 vocabulary.VERB_CHANGED_ACCREDITATION)
#: Leads' decisions: on a renewal here (on evidence, they are the evidence module's).
_DECISIONS = (vocabulary.VERB_VERIFIED, vocabulary.VERB_REJECTED)
_VERBS = _ABOUT_PERSON + _DECISIONS


class AccreditationProjection:
    """Keeps ``cpd_accreditation``, ``cpd_renewal`` and renewal evidence in step."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def statement_stored(self, session: Session, statement: dict[str, Any]) -> None:
        self.project(session, statement)

    def project(self, session: Session, statement: dict[str, Any]) -> bool:
        """Apply one statement; ``True`` if it was an accreditation statement."""
        verb = statement["verb"]["id"]
        if verb not in _VERBS:
            return False
        if client_name(self.settings, statement.get("authority")) is not None:
            return False  # sent through the LRS API: accreditations are decided here
        if verb in _DECISIONS:
            return self._decided(session, statement, approved=verb == vocabulary.VERB_VERIFIED)
        extensions = statement.get("context", {}).get("extensions", {})
        scheme = extensions[vocabulary.EXT_SCHEME]
        if verb == vocabulary.VERB_SUBMITTED_RENEWAL:
            self._submitted(session, statement, scheme)
            return True
        record = _record(session, self._learner_id(session, statement, _person(statement)),
                         scheme)
        if verb == vocabulary.VERB_RECORDED_ACCREDITATION:
            record.accredited_on = _date(extensions.get(vocabulary.EXT_ACCREDITED_ON))
            record.expires_on = _date(extensions.get(vocabulary.EXT_EXPIRES_ON))
            record.endorsements = list(extensions.get(vocabulary.EXT_ENDORSEMENTS, []))
        else:
            status = extensions.get(vocabulary.EXT_ACCREDITATION_STATUS)
            record.decided_status = None if status == "reinstated" else status
            record.decided_reason = statement.get("result", {}).get("response")
            record.decided_by = self._decider(statement["actor"])
            record.decided_on = self._day(statement["timestamp"])
        record.statement_id = statement["id"]
        record.updated_at = _moment(statement["stored"])
        session.flush()
        return True

    def _submitted(self, session: Session, statement: dict[str, Any], scheme: str) -> None:
        learner_id = self._learner_id(session, statement, statement["actor"])
        at = _moment(statement["stored"])
        session.add(Renewal(statement_id=statement["id"], learner_id=learner_id, scheme=scheme,
                            competence=statement.get("result", {}).get("response", ""),
                            submitted_at=at, status="pending"))
        seen: set[str] = set()
        for attachment in statement.get("attachments", []):
            if (attachment.get("usageType") != vocabulary.ATTACHMENT_EVIDENCE
                    or attachment["sha2"] in seen):
                continue
            seen.add(attachment["sha2"])
            display = attachment.get("display", {})
            session.add(Evidence(
                statement_id=statement["id"], learner_id=learner_id, activity_iri=None,
                sha256=attachment["sha2"], content_type=attachment["contentType"],
                filename=display.get("en-GB") or next(iter(display.values()), "evidence"),
                length=attachment["length"], submitted_at=at, status="pending"))
        session.flush()

    def _decided(self, session: Session, statement: dict[str, Any], *, approved: bool) -> bool:
        target = statement["object"].get("id", "").lower()
        renewal = session.scalar(sa.select(Renewal).where(Renewal.statement_id == target))
        if renewal is None:
            return False  # a decision on evidence of an activity
        status = "approved" if approved else "rejected"
        decided = {"status": status, "decided_by": self._decider(statement["actor"]),
                   "decided_at": _moment(statement["stored"]),
                   "comment": statement.get("result", {}).get("response"),
                   "decision_statement_id": statement["id"]}
        for row in (renewal, *session.scalars(sa.select(Evidence).where(
                Evidence.statement_id == target, Evidence.activity_iri.is_(None)))):
            for name, value in decided.items():
                setattr(row, name, value)
        if approved:
            extensions = statement.get("context", {}).get("extensions", {})
            record = _record(session, renewal.learner_id, renewal.scheme)
            renewed = _date(extensions.get(vocabulary.EXT_ACCREDITED_ON))
            expires = _date(extensions.get(vocabulary.EXT_EXPIRES_ON))
            if renewed is None:  # an approval made elsewhere: renewed the day it was given
                renewed = self._day(statement["timestamp"])
                rules = frameworks.accreditation_rules(session, renewal.scheme)
                expires = rules.expires_on(renewed) if rules else None
            record.accredited_on, record.expires_on = renewed, expires
            if record.decided_status == "lapsed":  # a renewal clears a lapse, not a suspension
                record.decided_status = record.decided_reason = None
                record.decided_by = record.decided_on = None
            record.statement_id = statement["id"]
            record.updated_at = decided["decided_at"]
        session.flush()
        return True

    def statement_voided(self, session: Session, statement: dict[str, Any]) -> None:
        """Replay the person's remaining accreditation statements without the voided one."""
        verb = statement["verb"]["id"]
        if verb not in _VERBS or client_name(self.settings, statement.get("authority")):
            return
        if verb in _DECISIONS:
            target = statement["object"].get("id", "").lower()
            learner_id = session.scalar(sa.select(Renewal.learner_id).where(
                Renewal.statement_id == target))
        else:
            learner_id = self._learner_id(session, statement, _person(statement))
        if learner_id is not None:
            self.replay(session, session.get(Learner, learner_id))

    def replay(self, session: Session, learner: Learner) -> None:
        """Project one person's accreditation statements again, in the order stored."""
        _forget(session, learner.id)
        key = actor_key(learner_agent(self.settings, identity(learner)))
        about = (sa.select(StatementRecord.sequence)
                 .join(StatementAgent,
                       StatementAgent.statement_sequence == StatementRecord.sequence)
                 .where(StatementAgent.agent_key == key, StatementAgent.direct.is_(True),
                        StatementRecord.verb_id.in_(_ABOUT_PERSON),
                        StatementRecord.voided.is_(False)))
        found = {sequence: document for sequence, document in session.execute(
            sa.select(StatementRecord.sequence, StatementRecord.document).where(
                StatementRecord.sequence.in_(about)))
                 # A lead is the actor of the status changes they made about other people.
                 if actor_key(_person(document)) == key}
        renewals = [document["id"] for document in found.values()
                    if document["verb"]["id"] == vocabulary.VERB_SUBMITTED_RENEWAL]
        if renewals:
            found.update(session.execute(
                sa.select(StatementRecord.sequence, StatementRecord.document).where(
                    StatementRecord.verb_id.in_(_DECISIONS), StatementRecord.voided.is_(False),
                    StatementRecord.object_key.in_(renewals))).all())
        for sequence in sorted(found):
            self.project(session, found[sequence])

    def _learner_id(self, session: Session, statement: dict[str, Any],
                    agent: dict[str, Any]) -> int:
        reference = account_reference(self.settings, agent)
        condition = (Learner.reference == reference if reference is not None
                     else Learner.email == str(agent.get("mbox", "")).removeprefix("mailto:"))
        learner_id = session.scalar(sa.select(Learner.id).where(condition))
        if learner_id is None:
            raise LookupError(f"statement {statement['id']}: no learner {reference or agent!r}")
        return learner_id

    def _decider(self, actor: dict[str, Any]) -> str | None:
        """The lead's name, or ``None`` for the library's own decisions (the lapse job)."""
        if actor.get("account") == library_agent(self.settings)["account"]:
            return None
        return actor.get("name") or account_reference(self.settings, actor) or "?"

    def _day(self, timestamp: str) -> date:
        return aniso8601.parse_datetime(timestamp).astimezone(self.settings.timezone).date()


def rebuild(session: Session, settings: Settings) -> int:
    """Project every non-voided accreditation statement again, in the order stored (in the
    caller's transaction); returns how many were accreditation statements."""
    _forget(session, None)
    projection = AccreditationProjection(settings)
    query = (sa.select(StatementRecord.document)
             .where(StatementRecord.verb_id.in_(_VERBS), StatementRecord.voided.is_(False))
             .order_by(StatementRecord.sequence))
    return sum(projection.project(session, document)
               for document in session.scalars(query.execution_options(yield_per=1000)))


def _forget(session: Session, learner_id: int | None) -> None:
    """Delete the accreditation rows, renewals and renewal evidence of one person (or, with
    ``None``, everyone's), before projecting them again."""
    if learner_id is None:
        session.execute(sa.delete(Evidence).where(Evidence.activity_iri.is_(None)))
        session.execute(sa.delete(Renewal))
        session.execute(sa.delete(Accreditation))
        return
    renewals = sa.select(Renewal.statement_id).where(Renewal.learner_id == learner_id)
    session.execute(sa.delete(Evidence).where(Evidence.statement_id.in_(renewals),
                                              Evidence.activity_iri.is_(None)))
    session.execute(sa.delete(Renewal).where(Renewal.learner_id == learner_id))
    session.execute(sa.delete(Accreditation).where(Accreditation.learner_id == learner_id))


def _person(statement: dict[str, Any]) -> dict[str, Any]:
    """Whose accreditation a statement is about: the object of a status change (the actor is
    the lead), else the actor (the officer)."""
    if statement["verb"]["id"] == vocabulary.VERB_CHANGED_ACCREDITATION:
        return statement["object"]
    return statement["actor"]


def _record(session: Session, learner_id: int, scheme: str) -> Accreditation:
    """The person's accreditation row in ``scheme``, created if this is its first statement."""
    record = session.scalar(sa.select(Accreditation).where(
        Accreditation.learner_id == learner_id, Accreditation.scheme == scheme))
    if record is None:
        record = Accreditation(learner_id=learner_id, scheme=scheme, endorsements=[])
        session.add(record)
    return record


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _moment(text: str) -> datetime:
    return aniso8601.parse_datetime(text)
