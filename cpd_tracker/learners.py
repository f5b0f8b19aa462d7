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

from cpd_tracker.models import Learner, LearnerRole, Role


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


def sync_learner(session: Session, profile: LearnerProfile) -> tuple[Learner, str]:
    """Create or update the learner for ``profile``.

    Returns the learner and what happened: ``"created"``, ``"updated"`` or ``"unchanged"``.
    Flushes but does not commit: the caller owns the transaction.
    """
    learner = session.scalar(sa.select(Learner).where(Learner.reference == profile.reference))
    created = learner is None
    if learner is None:
        learner = Learner(reference=profile.reference)
        session.add(learner)
    changed = False
    for field in fields(profile):
        value = getattr(profile, field.name)
        if field.name == "fte":
            value = Decimal(value).quantize(Decimal("0.001"))
        if getattr(learner, field.name) != value:
            setattr(learner, field.name, value)
            changed = True
    session.flush()
    return learner, "created" if created else "updated" if changed else "unchanged"


def define_role(session: Session, code: str, name: str, annual_target_hours: float) -> Role:
    """Create or update a role and its annual CPD target (flushes, does not commit)."""
    if annual_target_hours < 0:
        raise ValueError(f"annual_target_hours must not be negative, got {annual_target_hours}")
    role = session.scalar(sa.select(Role).where(Role.code == code))
    if role is None:
        role = Role(code=code)
        session.add(role)
    role.name = name
    role.annual_target_minutes = round(annual_target_hours * 60)
    session.flush()
    return role


def assign_role(session: Session, learner: Learner, role_code: str, started_on: date,
                ended_on: date | None = None) -> LearnerRole:
    """Record that ``learner`` holds the role from ``started_on`` (flushes, does not commit)."""
    role = session.scalar(sa.select(Role).where(Role.code == role_code))
    if role is None:
        raise LookupError(f"no role with code {role_code!r}; define it first")
    if ended_on is not None and ended_on < started_on:
        raise ValueError(f"ended_on {ended_on} is before started_on {started_on}")
    held = LearnerRole(learner=learner, role=role, started_on=started_on, ended_on=ended_on)
    session.add(held)
    session.flush()
    return held


def roles_held(learner: Learner, day: date) -> list[Role]:
    """The roles ``learner`` holds on ``day``, by code."""
    return sorted({held.role.code: held.role for held in learner.roles if held.held_on(day)}
                  .values(), key=lambda role: role.code)
