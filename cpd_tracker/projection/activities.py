"""The CPD read model: ``cpd_activity`` rows derived from logged-CPD statements.

The projection listens to the statement store inside the storing transaction, so a statement and
its activity row land together. It can be rebuilt from the statements at any time
(``flask cpd rebuild``); a test proves the rebuild equals the incremental result.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import aniso8601
import sqlalchemy as sa
from sqlalchemy.orm import Session

from cpd_tracker import vocabulary
from cpd_tracker.config import Settings
from cpd_tracker.models import Activity, Learner, Role, activity_role
from cpd_tracker.projection.evidence import refresh_verification
from cpd_tracker.record.identities import account_reference, client_name
from cpd_tracker.record.learners import held_role_ids
from xapi import StatementStore


class ProjectionError(RuntimeError):
    """A CPD statement cannot be projected (for example its learner is unknown)."""


class ActivityProjection:
    """Keeps ``cpd_activity`` in step with the statement store."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def statement_stored(self, session: Session, statement: dict[str, Any]) -> None:
        if statement["verb"]["id"] != vocabulary.VERB_LOGGED:
            return
        if client_name(self.settings, statement.get("authority")) is not None:
            return  # sent through the LRS API: only the library itself logs CPD with this verb
        reference = account_reference(self.settings, statement["actor"])
        learner_id = session.scalar(sa.select(Learner.id).where(Learner.reference == reference))
        if learner_id is None:
            raise ProjectionError(f"statement {statement['id']}: no learner {reference!r}")
        extensions = statement.get("context", {}).get("extensions", {})
        definition = statement["object"].get("definition", {})
        name = definition.get("name", {})
        role_codes = extensions.get(vocabulary.EXT_ROLES, [])
        activity = Activity(
            statement_id=statement["id"],
            learner_id=learner_id,
            activity_date=date.fromisoformat(extensions[vocabulary.EXT_ACTIVITY_DATE]),
            minutes=round(
                aniso8601.parse_duration(statement["result"]["duration"]).total_seconds() / 60
            ),
            title=name.get("en-GB") or next(iter(name.values()), ""),
            category=extensions[vocabulary.EXT_CATEGORY],
            kind=extensions.get(vocabulary.EXT_KIND),
            participatory=bool(extensions.get(vocabulary.EXT_PARTICIPATORY, False)),
            item=extensions.get(vocabulary.EXT_ITEM),
            reflection=statement.get("result", {}).get("response"),
            impact=extensions.get(vocabulary.EXT_IMPACT),
            link=definition.get("moreInfo"),
            what_happened=extensions.get(vocabulary.EXT_WHAT_HAPPENED),
            accountabilities=extensions.get(vocabulary.EXT_ACCOUNTABILITIES),
            activity_iri=statement["object"]["id"],
            recorded_at=aniso8601.parse_datetime(statement["stored"]),
        )
        # The roles named in the statement, and any the person is recorded as holding that day
        # (a role assigned after the activity was logged), so a rebuild equals the links
        # ``assign_role`` made.
        held = held_role_ids(learner_id, activity.activity_date)
        activity.roles = list(session.scalars(sa.select(Role).where(
            sa.or_(Role.code.in_(role_codes), Role.id.in_(held))).order_by(Role.code)))
        session.add(activity)
        session.flush()
        # A correction keeps the activity's IRI, and so its evidence and their verification.

        refresh_verification(session, learner_id, activity.activity_iri, self.settings)

    def statement_voided(self, session: Session, statement: dict[str, Any]) -> None:
        """Remove the activity row a voided statement made (a no-op for any other statement)."""
        # Role links explicitly: SQLite does not enforce ON DELETE CASCADE unless the host's
        # engine turns foreign keys on, which is not the library's to do.
        voided = sa.select(Activity.id).where(Activity.statement_id == statement["id"])
        session.execute(sa.delete(activity_role).where(activity_role.c.activity_id.in_(voided)))
        session.execute(sa.delete(Activity).where(Activity.statement_id == statement["id"]))


def rebuild(session: Session, settings: Settings) -> int:
    """Throw away ``cpd_activity`` and project every non-voided statement again, in order.

    Runs in the caller's transaction; returns the number of activities projected.
    """
    session.execute(sa.delete(activity_role))
    session.execute(sa.delete(Activity))
    projection = ActivityProjection(settings)
    count = 0
    for statement in StatementStore(session).statements(verb=vocabulary.VERB_LOGGED):
        projection.statement_stored(session, statement)
        count += 1
    return count
