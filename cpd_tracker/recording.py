"""What every stored statement passes through: the read models and the forwarding outbox.

The library stores statements in several places (an officer logging CPD, a lead's decision,
the LRS API); each must keep the same read models in step inside the same transaction, and
queue the same statements for the enterprise LRS, so the list lives here once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cpd_tracker.accreditation import AccreditationProjection
from cpd_tracker.allowances import AllowanceProjection
from cpd_tracker.config import Settings
from cpd_tracker.crediting import CreditingProjection, matching_rule
from cpd_tracker.evidence import EvidenceProjection
from cpd_tracker.projection import ActivityProjection
from cpd_tracker.standings import StandingListener
from cpd_tracker.statements import client_name
from xapi import StatementConflict, StatementListener, StatementStore
from xapi.forwarding import OutboxListener, Select, forward_everything


def listeners(settings: Settings) -> list[StatementListener]:
    """The listeners for a statement store working for this app."""
    found: list[StatementListener] = [ActivityProjection(settings), AllowanceProjection(settings),
                                      CreditingProjection(settings), EvidenceProjection(settings),
                                      AccreditationProjection(settings),
                                      StandingListener(settings)]
    if settings.xapi_forward is not None:
        found.append(OutboxListener([settings.xapi_forward.target],
                                    select=forwarded(settings)))
    return found


def record(session: Session, settings: Settings, statements: list[dict[str, Any]], *,
           authority: dict[str, Any], on_conflict: Exception) -> list[dict[str, Any]]:
    """Store statements with every read model and the outbox, and commit: the one way the
    library records its own statements. Any error rolls the whole transaction back; a statement
    id already used for other content raises ``on_conflict`` (the caller's words for "already
    sent")."""
    store = StatementStore(session, listeners=listeners(settings))
    try:
        stored = store.add_many(statements, authority=authority)
        session.commit()
    except StatementConflict:
        session.rollback()
        raise on_conflict from None
    except BaseException:
        session.rollback()
        raise
    return stored


def forwarded(settings: Settings) -> Select:
    """Which statements go to the enterprise LRS: CPD ones, or all (``CPD_XAPI_FORWARD``)."""
    if settings.xapi_forward is not None and settings.xapi_forward.statements == "all":
        return forward_everything
    return lambda statement: is_cpd(settings, statement)


def is_cpd(settings: Settings, statement: dict[str, Any]) -> bool:
    """A CPD record: one the library stored itself, or one a credit rule counts as CPD."""
    return (client_name(settings, statement.get("authority")) is None
            or matching_rule(settings, statement) is not None)
