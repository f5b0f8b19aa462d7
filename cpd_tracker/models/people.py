"""People, roles and the frameworks that set their requirements: who holds what, since when."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cpd_tracker.models.base import Base, utc_now
from xapi import UTCDateTime


class Learner(Base):
    """A person who keeps CPD: the library's copy of what it needs from the host's user."""

    __tablename__ = "cpd_learner"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The host's user reference (no foreign key into the host's tables).
    reference: Mapped[str] = mapped_column(sa.String(255), unique=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    org_unit: Mapped[str | None] = mapped_column(sa.String(255), index=True)
    line_manager_reference: Mapped[str | None] = mapped_column(sa.String(255), index=True)
    fte: Mapped[Decimal] = mapped_column(sa.Numeric(4, 3), default=Decimal("1.000"))
    joined_on: Mapped[date | None] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now, onupdate=utc_now)

    roles: Mapped[list[LearnerRole]] = relationship(
        back_populates="learner", order_by="LearnerRole.started_on"
    )


class Framework(Base):
    """A requirement framework (IPP, NMC revalidation...) as loaded from its file."""

    __tablename__ = "cpd_framework"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    title: Mapped[str] = mapped_column(sa.String(255))
    #: The shared vocabulary of the file: activity kinds and named items.
    vocabulary: Mapped[dict] = mapped_column(sa.JSON)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now, onupdate=utc_now)

    versions: Mapped[list[FrameworkVersion]] = relationship(
        back_populates="framework", order_by="FrameworkVersion.effective_from"
    )


class FrameworkVersion(Base):
    """One version of a framework's rules, in force from ``effective_from``.

    A cycle is judged by the version in force when it started; a version that has come into
    force is never changed, so last year's results are never silently rewritten.
    """

    __tablename__ = "cpd_framework_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(sa.ForeignKey("cpd_framework.id"), index=True)
    version: Mapped[str] = mapped_column(sa.String(64))
    effective_from: Mapped[date] = mapped_column(sa.Date)
    effective_to: Mapped[date | None] = mapped_column(sa.Date)
    #: The version's roles and rules, as checked from the file (see ``frameworks``).
    definition: Mapped[dict] = mapped_column(sa.JSON)
    checksum: Mapped[str] = mapped_column(sa.String(64))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    framework: Mapped[Framework] = relationship(back_populates="versions")

    __table_args__ = (
        sa.UniqueConstraint("framework_id", "version", name="uq_cpd_framework_version_label"),
    )


class Role(Base):
    """A role whose holders must keep CPD; its requirements come from its framework."""

    __tablename__ = "cpd_role"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    framework_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cpd_framework.id"),
                                                     index=True)

    framework: Mapped[Framework | None] = relationship()


class LearnerRole(Base):
    """A learner holding a role from ``started_on`` until ``ended_on`` (inclusive, or still)."""

    __tablename__ = "cpd_learner_role"

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(sa.ForeignKey("cpd_learner.id"), index=True)
    role_id: Mapped[int] = mapped_column(sa.ForeignKey("cpd_role.id"), index=True)
    started_on: Mapped[date] = mapped_column(sa.Date)
    ended_on: Mapped[date | None] = mapped_column(sa.Date)
    #: Legacy (0.1's ``assign_role(accredited_on=...)``): read only for people with no
    #: accreditation record; cycles from the accreditation date read the record.
    accredited_on: Mapped[date | None] = mapped_column(sa.Date)

    learner: Mapped[Learner] = relationship(back_populates="roles")
    role: Mapped[Role] = relationship(lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("learner_id", "role_id", "started_on",
                            name="uq_cpd_learner_role_period"),
    )

    def held_on(self, day: date) -> bool:
        return self.started_on <= day and (self.ended_on is None or day <= self.ended_on)
