"""Statements into read tables: one listener and one ``rebuild`` per read model.

Each listener is called by the statement store inside the storing transaction, so a statement
and the rows derived from it land together; each model's ``rebuild`` derives its rows again from
the statements alone, and a test proves both give the same rows. :func:`listeners` is the one
list of them, used by every store the library opens (its own services and the LRS API alike);
:func:`rebuild` runs every model's rebuild in that order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from cpd_tracker import _compat
from cpd_tracker.config import Settings
from cpd_tracker.marks import mark_everyone
from cpd_tracker.projection import (
    accreditation,
    activities,
    allowances,
    crediting,
    evidence,
    outcomes,
)
from cpd_tracker.projection.crediting import matching_rule
from cpd_tracker.projection.marks import StandingListener
from cpd_tracker.record.identities import client_name
from xapi import StatementListener
from xapi.forwarding import OutboxListener, Select, forward_everything


def listeners(settings: Settings) -> list[StatementListener]:
    """The listeners for a statement store working for this app: every read model, the marks
    of whose standing changed, and (with ``CPD_XAPI_FORWARD``) the forwarding outbox."""
    found: list[StatementListener] = [
        activities.ActivityProjection(settings), allowances.AllowanceProjection(settings),
        crediting.CreditingProjection(settings), evidence.EvidenceProjection(settings),
        accreditation.AccreditationProjection(settings),
        outcomes.CycleOutcomeProjection(settings), StandingListener(settings)]
    if settings.xapi_forward is not None:
        found.append(OutboxListener([settings.xapi_forward.target],
                                    select=forwarded(settings)))
    return found


def forwarded(settings: Settings) -> Select:
    """Which statements go to the enterprise LRS: CPD ones, or all (``CPD_XAPI_FORWARD``)."""
    if settings.xapi_forward is not None and settings.xapi_forward.statements == "all":
        return forward_everything
    return lambda statement: is_cpd(settings, statement)


def is_cpd(settings: Settings, statement: dict[str, Any]) -> bool:
    """A CPD record: one the library stored itself, or one a credit rule counts as CPD."""
    return (client_name(settings, statement.get("authority")) is None
            or matching_rule(settings, statement) is not None)


@dataclass(frozen=True)
class RebuildReport:
    """How many statements each read model was rebuilt from."""

    logged: int
    credited: int
    allowances: int
    evidence: int
    accreditation: int
    outcomes: int = 0

    def __str__(self) -> str:
        return (f"Rebuilt {self.logged} logged CPD activities, {self.credited} credited from LMS "
                f"statements, and {self.allowances} exemptions, extensions and absences from "
                "their statements.\n"
                f"Rebuilt evidence and its verification from {self.evidence} evidence and "
                "decision statements.\n"
                f"Rebuilt accreditations and renewals from {self.accreditation} accreditation "
                "statements (records, renewals, leads' decisions and lapses).\n"
                f"Rebuilt cycle outcomes from {self.outcomes} cycle judgement statements.")


def rebuild(session: Session, settings: Settings) -> RebuildReport:
    """Throw every read model away and derive it again from the statements, in the caller's
    transaction, and mark everyone for judging again."""
    report = RebuildReport(
        logged=activities.rebuild(session, settings),
        credited=crediting.rebuild(session, settings),
        allowances=allowances.rebuild(session, settings),
        evidence=evidence.rebuild(session, settings),
        accreditation=accreditation.rebuild(session, settings),
        outcomes=outcomes.rebuild(session, settings),
    )
    mark_everyone(session)
    return report

#: The names this module had in 0.1 and that live elsewhere now (for one more release).
__getattr__ = _compat.module_getattr("cpd_tracker.projection")
