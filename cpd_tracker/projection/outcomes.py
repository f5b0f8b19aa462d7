"""The cycle outcomes read model: ``cpd_cycle_outcome``, one row per person, role and cycle,
from the latest ``judged-cycle`` statement about it (only those made here: the library's own
and leads'; one sent through the LRS API records nothing)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import aniso8601
import sqlalchemy as sa
from sqlalchemy.orm import Session

from cpd_tracker import vocabulary
from cpd_tracker.config import Settings
from cpd_tracker.models import CycleOutcome, Learner, Role
from cpd_tracker.record.identities import account_reference, client_name
from xapi import StatementStore


class CycleOutcomeProjection:
    """Keeps ``cpd_cycle_outcome`` in step with the statement store."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def statement_stored(self, session: Session, statement: dict[str, Any]) -> None:
        if statement["verb"]["id"] != vocabulary.VERB_JUDGED_CYCLE:
            return
        if client_name(self.settings, statement.get("authority")) is not None:
            return
        reference = account_reference(self.settings, statement["object"])
        learner_id = session.scalar(sa.select(Learner.id).where(Learner.reference == reference))
        if learner_id is None:
            raise LookupError(f"statement {statement['id']}: no learner {reference!r}")
        extensions = statement["context"]["extensions"]
        role_id = session.scalar(sa.select(Role.id).where(
            Role.code == extensions[vocabulary.EXT_ROLE]))
        if role_id is None:
            raise LookupError(f"statement {statement['id']}: no role "
                              f"{extensions[vocabulary.EXT_ROLE]!r}")
        start = date.fromisoformat(extensions[vocabulary.EXT_CYCLE_START])
        judge = statement["actor"]
        values = {
            "cycle_end": date.fromisoformat(extensions[vocabulary.EXT_CYCLE_END]),
            "due_on": date.fromisoformat(extensions[vocabulary.EXT_DUE_DATE]),
            "outcome": extensions[vocabulary.EXT_CYCLE_OUTCOME],
            "unmet": json.dumps(list(extensions.get(vocabulary.EXT_UNMET_RULES, []))),
            "judged_by": (judge.get("name") or account_reference(self.settings, judge)
                          or "?")[:255],
            "reason": statement.get("result", {}).get("response", ""),
            "statement_id": statement["id"],
            "judged_at": aniso8601.parse_datetime(statement["stored"]),
        }
        found = session.scalar(sa.select(CycleOutcome).where(
            CycleOutcome.learner_id == learner_id, CycleOutcome.role_id == role_id,
            CycleOutcome.cycle_start == start))
        if found is None:
            session.add(CycleOutcome(learner_id=learner_id, role_id=role_id, cycle_start=start,
                                     **values))
        else:
            for name, value in values.items():
                setattr(found, name, value)
        session.flush()

    def statement_voided(self, session: Session, statement: dict[str, Any]) -> None:
        session.execute(sa.delete(CycleOutcome).where(
            CycleOutcome.statement_id == statement["id"]))


def rebuild(session: Session, settings: Settings) -> int:
    """Project every non-voided ``judged-cycle`` statement again, in the order stored, so the
    latest about each cycle wins as it did (in the caller's transaction)."""
    session.execute(sa.delete(CycleOutcome))
    projection = CycleOutcomeProjection(settings)
    count = 0
    for statement in StatementStore(session).statements(verb=vocabulary.VERB_JUDGED_CYCLE):
        projection.statement_stored(session, statement)
        count += 1
    return count
