"""Learners and the roles they hold: the library's view of the host's people.

Users belong to the host. A host tells the library who someone is through a
:class:`LearnerProfile`; the library keeps a ``cpd_learner`` row in step with it, keyed by the
host's user reference, and records which roles the person holds and since when.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cpd_tracker.config import Settings
from cpd_tracker.marks import mark
from cpd_tracker.models import Activity, Learner, LearnerRole, Role, activity_role
from cpd_tracker.record.identities import LearnerIdentity, account_reference


@dataclass(frozen=True)
class LearnerProfile:
    """What the library needs to know about one of the host's users."""

    reference: str
    name: str
    email: str | None = None
    org_unit: str | None = None
    line_manager_reference: str | None = None
    fte: Decimal = Decimal("1")
    joined_on: date | None = None

    def __post_init__(self) -> None:
        if not self.reference:
            raise ValueError("LearnerProfile.reference must not be empty")
        if not Decimal("0") < Decimal(self.fte) <= Decimal("1"):
            raise ValueError(f"LearnerProfile.fte must be above 0 and at most 1, got {self.fte}")


def identity(learner: Learner) -> LearnerIdentity:
    """Who a learner is in the statements about them."""
    return LearnerIdentity(reference=learner.reference, name=learner.name, email=learner.email)


def profile_from_user(user: Any) -> LearnerProfile:
    """The default reading of a host user: ``get_id()`` and same-named attributes if present."""
    reference = str(user.get_id())
    return LearnerProfile(
        reference=reference,
        name=getattr(user, "name", None) or reference,
        email=getattr(user, "email", None),
        org_unit=getattr(user, "org_unit", None),
        line_manager_reference=getattr(user, "line_manager_reference", None),
        fte=Decimal(str(getattr(user, "fte", None) or 1)),
        joined_on=getattr(user, "joined_on", None),
    )


def learner_of(session: Session, reference: str) -> Learner | None:
    """The learner with the host's user reference ``reference``, if the library knows them."""
    return session.scalar(sa.select(Learner).where(Learner.reference == reference))


def differences(learner: Learner | None, profile: LearnerProfile) -> dict[str, Any]:
    """What ``sync_learner`` would change on ``learner`` to match ``profile`` (every field when
    there is no learner yet), without changing anything."""
    found: dict[str, Any] = {}
    for field in fields(profile):
        value = getattr(profile, field.name)
        if field.name == "fte":
            value = Decimal(value).quantize(Decimal("0.001"))
        if learner is None or getattr(learner, field.name) != value:
            found[field.name] = value
    return found


def sync_learner(session: Session, profile: LearnerProfile) -> tuple[Learner, str]:
    """Create or update the learner for ``profile``.

    Returns the learner and what happened: ``"created"``, ``"updated"`` or ``"unchanged"``.
    Flushes but does not commit: the caller owns the transaction.
    """
    learner = learner_of(session, profile.reference)
    changes = differences(learner, profile)
    created = learner is None
    if learner is None:
        learner = Learner(reference=profile.reference)
        session.add(learner)
    for name, value in changes.items():
        setattr(learner, name, value)
    session.flush()
    if changes:
        mark(session, [learner.id])  # a new unit, hours (FTE) or joining date
    return learner, "created" if created else "updated" if changes else "unchanged"


def assign_role(session: Session, learner: Learner, role_code: str, started_on: date,
                ended_on: date | None = None) -> LearnerRole:
    """Record that ``learner`` holds the role from ``started_on`` (flushes, does not commit).

    Roles come from loaded frameworks (``flask cpd frameworks load``). CPD the person already
    logged within the period starts counting towards the role, as if the role had been known
    when it was logged. Cycles "from the accreditation date" count from the person's
    accreditation record (recorded on their accreditation page, renewed or reinstated by a
    lead), not from a date given here.
    """
    role = session.scalar(sa.select(Role).where(Role.code == role_code))
    if role is None:
        known = ", ".join(session.scalars(sa.select(Role.code).order_by(Role.code))) or "none"
        raise LookupError(f"no role with code {role_code!r}; roles come from the loaded "
                          f"frameworks (flask cpd frameworks load FILE). Known roles: {known}")
    if ended_on is not None and ended_on < started_on:
        raise ValueError(f"ended_on {ended_on} is before started_on {started_on}")
    held = LearnerRole(learner=learner, role=role, started_on=started_on, ended_on=ended_on)
    session.add(held)
    session.flush()
    in_period = sa.select(Activity.id, sa.literal(role.id)).where(
        Activity.learner_id == learner.id, Activity.activity_date >= started_on,
        *([Activity.activity_date <= ended_on] if ended_on else []),
        ~sa.exists().where(activity_role.c.activity_id == Activity.id,
                           activity_role.c.role_id == role.id),
    )
    session.execute(sa.insert(activity_role).from_select(["activity_id", "role_id"], in_period))
    mark(session, [learner.id])
    return held


def held_role_ids(learner_id: int, day: date) -> sa.Select[tuple[int]]:
    """A subquery of the ids of the roles a learner holds on ``day`` (for activity links)."""
    return sa.select(LearnerRole.role_id).where(
        LearnerRole.learner_id == learner_id, LearnerRole.started_on <= day,
        sa.or_(LearnerRole.ended_on.is_(None), LearnerRole.ended_on >= day))


def roles_held(learner: Learner, day: date) -> list[Role]:
    """The roles ``learner`` holds on ``day``, by code."""
    return sorted({held.role.code: held.role for held in learner.roles if held.held_on(day)}
                  .values(), key=lambda role: role.code)


def learner_for_agent(session: Session, settings: Settings, agent: dict[str, Any]) -> int | None:
    """The learner an xAPI agent names, or ``None``: by the account the library issues (the
    host's reference) or, with ``CPD_ACTOR_IDENTITY = "mbox"``, by the ``mailto:`` of exactly
    one learner (an address two people share proves nothing). A group is nobody."""
    if agent.get("objectType", "Agent") != "Agent":
        return None
    reference = account_reference(settings, agent)
    if reference is not None:
        return session.scalar(sa.select(Learner.id).where(Learner.reference == reference))
    mbox = agent.get("mbox")
    if settings.actor_identity != "mbox" or not isinstance(mbox, str):
        return None
    email = mbox.removeprefix("mailto:").lower()
    found = session.scalars(sa.select(Learner.id).where(sa.func.lower(Learner.email) == email)
                            .limit(2)).all()
    return found[0] if len(found) == 1 else None
