"""Who must be judged again after a statement: the listener that marks them.

Every statement the library stores or voids may change someone's standing; this listener marks
the people it is about (:func:`cpd_tracker.marks.mark`) in the same transaction, and
:func:`cpd_tracker.judging.standings.refresh` judges them again.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cpd_tracker.config import Settings
from cpd_tracker.marks import mark
from cpd_tracker.record.learners import learner_for_agent
from xapi import StatementRecord


class StandingListener:
    """Marks the people a stored (or voided) statement is about, whatever its kind.

    A statement is about its actor, an agent as its object (a lead's decision on an officer),
    and, for a statement that points at another (a void, a lead's verification of evidence),
    that statement's actor; people are found as crediting finds them (account, or ``mbox``).
    Marking a lead too is harmless: they are judged again, unchanged.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def statement_stored(self, session: Session, statement: dict[str, Any]) -> None:
        mark(session, self._people(session, statement))

    def statement_voided(self, session: Session, statement: dict[str, Any]) -> None:
        mark(session, self._people(session, statement))

    def _people(self, session: Session, statement: dict[str, Any]) -> list[int]:

        agents = [statement.get("actor", {})]
        target = statement.get("object", {})
        if target.get("objectType") in ("Agent", "Group"):
            agents.append(target)
        elif target.get("objectType") == "StatementRef":
            key = session.scalar(sa.select(StatementRecord.actor_key).where(
                StatementRecord.id == str(target.get("id", "")).lower()))
            if key is not None:
                agents.append(_agent_of_key(key))
        found = [learner_for_agent(session, self.settings, agent) for agent in agents]
        return [learner_id for learner_id in found if learner_id is not None]


def _agent_of_key(key: str) -> dict[str, Any]:
    """An agent from the store's actor key (``account:HOME|NAME``, ``mbox:mailto:...``)."""
    kind, _, value = key.partition(":")
    if kind == "account":
        home, _, name = value.rpartition("|")
        return {"account": {"homePage": home, "name": name}}
    return {kind: value}
