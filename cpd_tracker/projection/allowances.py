"""The allowances read model: ``cpd_allowance`` and ``cpd_absence`` rows, derived from leads'
exemption, extension and absence statements (only those made here; a voided one disappears)."""

from __future__ import annotations

from datetime import date
from typing import Any

import aniso8601
import sqlalchemy as sa
from sqlalchemy.orm import Session

from cpd_tracker import vocabulary
from cpd_tracker.config import Settings
from cpd_tracker.models import Absence, Allowance, Learner, Role
from cpd_tracker.record.identities import account_reference, client_name
from xapi import StatementStore

_VERBS = (vocabulary.VERB_EXEMPTED, vocabulary.VERB_EXTENDED, vocabulary.VERB_APPROVED_ABSENCE)


class AllowanceProjection:
    """Keeps ``cpd_allowance`` and ``cpd_absence`` in step with the statement store."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def statement_stored(self, session: Session, statement: dict[str, Any]) -> None:
        verb = statement["verb"]["id"]
        if verb not in _VERBS:
            return
        if client_name(self.settings, statement.get("authority")) is not None:
            return  # sent through the LRS API: only leads' decisions made here count
        reference = account_reference(self.settings, statement["object"])
        learner_id = session.scalar(sa.select(Learner.id).where(Learner.reference == reference))
        if learner_id is None:
            raise LookupError(f"statement {statement['id']}: no learner {reference!r}")
        extensions = statement.get("context", {}).get("extensions", {})
        lead = (account_reference(self.settings, statement["actor"])
                or statement["actor"].get("name", "?"))
        reason = statement.get("result", {}).get("response", "")
        at = aniso8601.parse_datetime(statement["stored"])
        if verb == vocabulary.VERB_APPROVED_ABSENCE:
            session.add(Absence(
                statement_id=statement["id"], learner_id=learner_id,
                starts_on=date.fromisoformat(extensions[vocabulary.EXT_ABSENCE_START]),
                ends_on=date.fromisoformat(extensions[vocabulary.EXT_ABSENCE_END]),
                reason=reason[:255], approved_by=lead, approved_at=at))
        else:
            role_id = session.scalar(sa.select(Role.id).where(
                Role.code == extensions[vocabulary.EXT_ROLE]))
            due = extensions.get(vocabulary.EXT_DUE_DATE)
            starts = extensions.get(vocabulary.EXT_ABSENCE_START)
            ends = extensions.get(vocabulary.EXT_ABSENCE_END)
            session.add(Allowance(
                statement_id=statement["id"], learner_id=learner_id, role_id=role_id,
                kind="exemption" if verb == vocabulary.VERB_EXEMPTED else "extension",
                cycle_start=date.fromisoformat(extensions[vocabulary.EXT_CYCLE_START]),
                extended_to=date.fromisoformat(due) if due else None, reason=reason,
                starts_on=date.fromisoformat(starts) if starts else None,
                ends_on=date.fromisoformat(ends) if ends else None,
                granted_by=lead, granted_at=at))
        session.flush()

    def statement_voided(self, session: Session, statement: dict[str, Any]) -> None:
        session.execute(sa.delete(Allowance).where(Allowance.statement_id == statement["id"]))
        session.execute(sa.delete(Absence).where(Absence.statement_id == statement["id"]))


def rebuild(session: Session, settings: Settings) -> int:
    """Project every non-voided allowance statement again (in the caller's transaction)."""
    session.execute(sa.delete(Allowance))
    session.execute(sa.delete(Absence))
    projection = AllowanceProjection(settings)
    count = 0
    for verb in _VERBS:
        for statement in StatementStore(session).statements(verb=verb):
            projection.statement_stored(session, statement)
            count += 1
    return count
